//! Case ids in 17 bytes: the server's ids are UUIDs, whose 36-character text is 16 bytes of
//! information, and short ids (tests, benchmarks, imports) fit in the same 16 bytes. Anything
//! else is kept as a string on the side. The text given back is always the text put in.

/// Lengths 0..=16 are inline strings; these kinds follow them.
const UUID: u8 = 17;
pub(super) const LONG: u8 = 18;
/// A slot that holds no case.
pub(super) const VACANT: u8 = 19;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct IdKey {
    pub(super) bits: u128,
    pub(super) kind: u8,
}

const HYPHENS: [usize; 4] = [8, 13, 18, 23];

/// Lower-case hyphenated UUID text only: the form `Uuid`'s `Display` writes, so that decoding
/// gives back the same string. Upper case and other spellings are kept as strings.
fn parse_uuid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut v: u128 = 0;
    for (i, &c) in b.iter().enumerate() {
        if HYPHENS.contains(&i) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        v = (v << 4) | u128::from(d);
    }
    Some(v)
}

pub(super) fn encode(s: &str) -> IdKey {
    if let Some(bits) = parse_uuid(s) {
        return IdKey { bits, kind: UUID };
    }
    let b = s.as_bytes();
    if b.len() <= 16 {
        let mut buf = [0u8; 16];
        buf[..b.len()].copy_from_slice(b);
        return IdKey {
            bits: u128::from_le_bytes(buf),
            kind: b.len() as u8,
        };
    }
    IdKey {
        bits: 0,
        kind: LONG,
    }
}

/// Whether two ids' texts compare as their keys do without decoding: UUID text is fixed-width
/// lower-case hex, so its order is the order of the numbers.
pub(super) fn both_uuids(a: IdKey, b: IdKey) -> bool {
    a.kind == UUID && b.kind == UUID
}

/// The id's text; `long` is the side string of a [`LONG`] id.
pub(super) fn decode(key: IdKey, long: Option<&str>) -> String {
    match key.kind {
        UUID => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let mut s = String::with_capacity(36);
            for i in 0..32 {
                if [8, 12, 16, 20].contains(&i) {
                    s.push('-');
                }
                let nibble = (key.bits >> (124 - 4 * i)) & 0xf;
                s.push(char::from(HEX[nibble as usize]));
            }
            s
        }
        LONG => long.unwrap_or_default().to_string(),
        len if len <= 16 => {
            let buf = key.bits.to_le_bytes();
            // Inline bytes were copied from a `str`, so they are valid UTF-8.
            String::from_utf8_lossy(&buf[..len as usize]).into_owned()
        }
        _ => String::new(),
    }
}

/// Hash of an id for the id table: of the compact form when there is one (cheap to recompute
/// when the table grows), of the text otherwise.
pub(super) fn hash(key: IdKey, long: Option<&str>) -> u64 {
    match key.kind {
        LONG => super::key_hash(long.unwrap_or_default()),
        _ => {
            let lo = key.bits as u64;
            let hi = (key.bits >> 64) as u64;
            super::splitmix(super::splitmix(lo ^ u64::from(key.kind)) ^ hi)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn uuids_are_compact_and_come_back_the_same() {
        let u = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        let k = encode(u);
        assert_eq!(k.kind, UUID);
        assert_eq!(decode(k, None), u);
        // Upper case would not round-trip through the compact form.
        assert_eq!(encode(&u.to_uppercase()).kind, LONG);
        assert_eq!(encode("c00000042").kind, 9);
        assert_eq!(decode(encode("c00000042"), None), "c00000042");
    }

    proptest! {
        #[test]
        fn any_id_round_trips(s in "\\PC{0,40}") {
            let k = encode(&s);
            let long = (k.kind == LONG).then_some(s.as_str());
            prop_assert_eq!(decode(k, long), s);
        }

        #[test]
        fn any_uuid_round_trips(bits in any::<u128>()) {
            let hex = format!("{bits:032x}");
            let s = format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]);
            let k = encode(&s);
            prop_assert_eq!(k.kind, UUID);
            prop_assert_eq!(decode(k, None), s);
        }

        #[test]
        fn uuid_keys_order_as_their_text(a in any::<u128>(), b in any::<u128>()) {
            let (ka, kb) = (IdKey { bits: a, kind: UUID }, IdKey { bits: b, kind: UUID });
            prop_assert!(both_uuids(ka, kb));
            prop_assert_eq!(a.cmp(&b), decode(ka, None).cmp(&decode(kb, None)));
        }
    }
}
