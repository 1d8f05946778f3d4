/** An http:// or https:// URL without user:password@ (credentials in a URL end up in logs and pages). */
export function isHttpUrlWithoutCredentials(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
  } catch {
    return false;
  }
}
