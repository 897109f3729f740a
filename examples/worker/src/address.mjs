// The caller's address (CF-Connecting-IP) and the key its creates are counted under: an IPv4
// address alone, an IPv6 address by its /64. One IPv6 user (a home line, a cloud VM) commonly
// holds a whole /64, so counting its addresses one by one lets it pass any per-address limit.

/** The caller's address as Cloudflare gives it (one bucket for requests without it). */
export const callerAddress = (request) => (request.headers.get('cf-connecting-ip') ?? 'unknown').slice(0, 64);

/** The key `address` is counted under: `1.2.3.4`, or `2001:db8:0:1::/64` (any spelling of the
 * same /64 gives the same key; an IPv4-mapped IPv6 address is its IPv4 address). */
export function limitKey(address) {
  if (!address.includes(':')) return address;
  const words = ipv6Words(address);
  if (!words) return address;
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return [words[6] >> 8, words[6] & 255, words[7] >> 8, words[7] & 255].join('.');
  }
  return `${words.slice(0, 4).map((w) => w.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit words of an IPv6 address (`::`, a zone and a dotted IPv4 tail allowed), or null. */
function ipv6Words(text) {
  let s = text.toLowerCase().replace(/%.*$/, '');
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    if ([a, b, c, d].some((n) => n > 255)) return null;
    s = `${s.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (half) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return all.map((g) => parseInt(g, 16));
}
