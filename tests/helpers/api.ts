import type { RunningServer } from './server';

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** Calls the JSON API as a headless client would: bearer token, JSON body. */
export async function api<T = any>(server: { url: string }, method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const r = await fetch(server.url + path, { method, headers, body });
  const text = await r.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: r.status, body: parsed, headers: r.headers };
}

export interface TestUser {
  id: string;
  username: string;
  password: string;
  /** Session token (usable as bearer). */
  token: string;
}

export const TEST_PASSWORD = 'violet-harbour-lamp-42';

export async function signup(server: RunningServer | { url: string }, username: string): Promise<TestUser> {
  const r = await api(server, 'POST', '/api/auth/signup', { body: { username, email: `${username}@example.test`, password: TEST_PASSWORD } });
  if (r.status !== 201) throw new Error(`signup ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.user.id, username, password: TEST_PASSWORD, token: r.body.token };
}

export async function createProject(server: { url: string }, owner: TestUser, name = 'Test project'): Promise<string> {
  const r = await api(server, 'POST', '/api/projects', { token: owner.token, body: { name } });
  if (r.status !== 201) throw new Error(`create project failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

export async function addMember(server: { url: string }, owner: TestUser, projectId: string, username: string, role: 'editor' | 'viewer'): Promise<void> {
  const r = await api(server, 'POST', `/api/projects/${projectId}/members`, { token: owner.token, body: { username, role } });
  if (r.status !== 201) throw new Error(`add member failed: ${r.status} ${JSON.stringify(r.body)}`);
}
