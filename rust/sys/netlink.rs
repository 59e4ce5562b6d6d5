// SPDX-License-Identifier: GPL-2.0
//! Netlink attributes and extended acks as rtnetlink hands them to a link kind.

use super::bindings;
use kernel::prelude::*;

/// A netlink attribute.
///
/// # Invariants
///
/// Wraps a valid `struct nlattr` that rtnetlink parsed, alive for the borrow.
#[repr(transparent)]
pub(crate) struct NlAttr(bindings::nlattr);

impl NlAttr {
    /// The attribute's type number.
    pub(crate) fn kind(&self) -> u16 {
        self.0.nla_type & 0x3fff // NLA_TYPE_MASK: without NLA_F_NESTED / NLA_F_NET_BYTEORDER
    }

    /// The payload (after the 4-byte header, `nla_len - 4` bytes).
    pub(crate) fn payload(&self) -> &[u8] {
        let len = usize::from(self.0.nla_len).saturating_sub(core::mem::size_of::<bindings::nlattr>());
        // SAFETY: rtnetlink validated that each attribute's nla_len lies within the message, and the
        // payload follows the header directly (NLA_HDRLEN = 4); the message outlives the borrow.
        unsafe { core::slice::from_raw_parts(core::ptr::from_ref(&self.0).add(1).cast::<u8>(), len) }
    }

    /// The payload as a u8 (`nla_get_u8`); EINVAL if it is shorter.
    pub(crate) fn u8(&self) -> Result<u8> {
        self.payload().first().copied().ok_or(EINVAL)
    }

    /// The payload as a u16 in host order (`nla_get_u16`); EINVAL if it is shorter.
    pub(crate) fn u16(&self) -> Result<u16> {
        let p = self.payload().get(..2).ok_or(EINVAL)?;
        Ok(u16::from_ne_bytes([p[0], p[1]]))
    }

    /// The payload as a MAC address; EINVAL unless it is exactly 6 bytes (as
    /// `IFLA_BOND_AD_ACTOR_SYSTEM` must be).
    pub(crate) fn mac(&self) -> Result<[u8; 6]> {
        self.payload().try_into().map_err(|_| EINVAL)
    }

    /// The payload as a u32 in host order (`nla_get_u32`); EINVAL if it is shorter.
    pub(crate) fn u32(&self) -> Result<u32> {
        let p = self.payload().get(..4).ok_or(EINVAL)?;
        Ok(u32::from_ne_bytes([p[0], p[1], p[2], p[3]]))
    }
}

/// The `IFLA_INFO_DATA` attributes of a link kind, indexed by type (`data[]` of `validate`).
///
/// # Invariants
///
/// `data` is null, or points to `maxtype + 1` entries each of which is null or a valid attribute.
pub(crate) struct LinkData<'a> {
    data: *const *mut bindings::nlattr,
    maxtype: u16,
    _p: core::marker::PhantomData<&'a NlAttr>,
}

impl<'a> LinkData<'a> {
    /// # Safety
    ///
    /// `data` must be null or point to `maxtype + 1` attribute pointers, each null or valid for `'a`.
    pub(crate) unsafe fn from_raw(data: *const *mut bindings::nlattr, maxtype: u16) -> Self {
        // INVARIANT: guaranteed by the caller.
        LinkData { data, maxtype, _p: core::marker::PhantomData }
    }

    /// The attribute of type `nr`, if the user sent it.
    pub(crate) fn get(&self, nr: u16) -> Option<&'a NlAttr> {
        if self.data.is_null() || nr > self.maxtype {
            return None;
        }
        // SAFETY: by the type invariant `data` has `maxtype + 1` entries and `nr <= maxtype`.
        let p = unsafe { *self.data.add(usize::from(nr)) };
        // SAFETY: by the type invariant a non-null entry is a valid attribute for 'a;
        // `NlAttr` is a transparent wrapper of `nlattr`.
        unsafe { p.cast::<NlAttr>().as_ref() }
    }
}

/// The extended ack of a netlink request: where a message for the user goes.
///
/// # Invariants
///
/// `ptr` is null or a valid `struct netlink_ext_ack` for the borrow.
pub(crate) struct ExtAck<'a> {
    ptr: *mut bindings::netlink_ext_ack,
    _p: core::marker::PhantomData<&'a mut bindings::netlink_ext_ack>,
}

impl ExtAck<'_> {
    /// # Safety
    ///
    /// `ptr` must be null or valid (and not otherwise accessed) for the returned lifetime.
    pub(crate) unsafe fn from_raw<'b>(ptr: *mut bindings::netlink_ext_ack) -> ExtAck<'b> {
        // INVARIANT: guaranteed by the caller.
        ExtAck { ptr, _p: core::marker::PhantomData }
    }

    /// No extended ack (sysfs, module init): messages go nowhere; callers log instead.
    pub(crate) fn none() -> ExtAck<'static> {
        // INVARIANT: null is allowed.
        ExtAck { ptr: core::ptr::null_mut(), _p: core::marker::PhantomData }
    }

    pub(crate) fn as_raw(&mut self) -> *mut bindings::netlink_ext_ack {
        self.ptr
    }

    /// Reports `msg` to the user, without pointing at an attribute.
    pub(crate) fn set_msg(&mut self, msg: &CStr) {
        // SAFETY: `ptr` is null or valid by the type invariant (the shim ignores null); `msg` is
        // NUL-terminated and is copied before the call returns.
        unsafe { bindings::rbond_extack_set(self.ptr, core::ptr::null(), msg.as_char_ptr().cast()) };
    }

    /// Reports `msg` to the user, pointing at `attr` (copied; at most 79 bytes are kept).
    pub(crate) fn set_attr_msg(&mut self, attr: &NlAttr, msg: &CStr) {
        // SAFETY: `ptr` is null or valid by the type invariant (the shim ignores null); `attr` is a
        // valid attribute; `msg` is NUL-terminated and is copied before the call returns.
        unsafe { bindings::rbond_extack_set(self.ptr, &attr.0, msg.as_char_ptr().cast()) };
    }
}

/// A netlink message that a link kind's `fill_info` / `fill_slave_info` appends attributes to.
///
/// # Invariants
///
/// `skb` is the valid message rtnetlink is filling, ours to append to for the borrow; `nests[..depth]`
/// are nests opened on it by [`NlMsg::nest_start`] and not closed yet.
pub(crate) struct NlMsg<'a> {
    skb: *mut bindings::sk_buff,
    nests: [*mut bindings::nlattr; 4],
    depth: usize,
    _p: core::marker::PhantomData<&'a mut bindings::sk_buff>,
}

impl NlMsg<'_> {
    /// # Safety
    ///
    /// `skb` must be a message being filled by rtnetlink, which nobody else touches while the
    /// returned value lives.
    pub(crate) unsafe fn from_raw<'b>(skb: *mut bindings::sk_buff) -> NlMsg<'b> {
        // INVARIANT: guaranteed by the caller; no nest is open.
        NlMsg { skb, nests: [core::ptr::null_mut(); 4], depth: 0, _p: core::marker::PhantomData }
    }

    /// Appends attribute `attr` with payload `data` (`nla_put`); false if the message is full.
    pub(crate) fn put(&mut self, attr: u16, data: &[u8]) -> bool {
        // SAFETY: `skb` is valid and ours by the type invariant; `data` is valid for its length,
        // which is copied before the call returns.
        unsafe { bindings::rbond_nla_put(self.skb, attr.into(), data.len() as i32, data.as_ptr().cast()) == 0 }
    }

    /// Opens nested attribute `attr` (`nla_nest_start_noflag`); false if the message is full or
    /// the nests are too deep.
    pub(crate) fn nest_start(&mut self, attr: u16) -> bool {
        if self.depth == self.nests.len() {
            return false;
        }
        // SAFETY: `skb` is valid and ours by the type invariant.
        let n = unsafe { bindings::rbond_nla_nest_start(self.skb, attr.into()) };
        if n.is_null() {
            return false;
        }
        // INVARIANT: `n` was opened on `skb` just now.
        self.nests[self.depth] = n;
        self.depth += 1;
        true
    }

    /// Closes the innermost open nest (`nla_nest_end`); false if none is open.
    pub(crate) fn nest_end(&mut self) -> bool {
        if self.depth == 0 {
            return false;
        }
        self.depth -= 1;
        // SAFETY: by the type invariant the nest was opened on `skb`, which is valid, and is
        // still open; it is closed once (depth decremented above).
        unsafe { bindings::rbond_nla_nest_end(self.skb, self.nests[self.depth]) };
        true
    }
}

impl Drop for NlMsg<'_> {
    fn drop(&mut self) {
        // a nest left open (the message filled up): take back what it holds, as C's error paths
        // do; rtnetlink then cancels the enclosing nest
        while self.depth > 0 {
            self.depth -= 1;
            // SAFETY: by the type invariant the nest is open on the valid `skb`; the outermost
            // is cancelled last, so every cancel trims to a start that is still in the message.
            unsafe { bindings::rbond_nla_nest_cancel(self.skb, self.nests[self.depth]) };
        }
    }
}
