//! The hasher of the scheduler's maps (waits and flights by key, flights by task id): FNV-1a.
//! std's default (SipHash with keys drawn at start-up) guards a server's maps against keys an
//! attacker picks; these maps hold one client's own waits, keyed by counters and the task ids
//! its caller asks for, so a plain hash serves and keeps SipHash and its key set-up out of the
//! wasm.

use std::hash::{BuildHasherDefault, Hasher};

/// A map with [`Fnv`] hashing.
pub type Map<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<Fnv>>;

/// 64-bit FNV-1a.
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
