import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Addresses outgoing requests (webhooks, fetched photo URLs) may not reach unless the operator allows: the server's own network (SSRF). */
const PRIVATE = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** Why the URL's host may not be reached (it does not resolve, or is loopback/private), or null when it is public. */
export async function privateHostRefusal(url: string): Promise<{ host: string; reason: 'unresolvable' | 'private' } | null> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return { host, reason: 'unresolvable' };
  }
  if (host === 'localhost' || addresses.some(isPrivateAddress)) return { host, reason: 'private' };
  return null;
}
