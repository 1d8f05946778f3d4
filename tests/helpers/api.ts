import http from 'node:http';
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
  return answerOf(await fetch(server.url + path, { method, headers, body }));
}

/** A GET's status by node:http (fetch adds Cache-Control: no-cache to conditional requests, which forbids a 304). */
export function statusOfGet(server: { url: string }, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(server.url + path, { headers }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
      .on('error', reject);
  });
}

/** A response as an ApiResult: the body parsed as JSON when it is JSON, else the text. */
export async function answerOf(r: Response): Promise<ApiResult> {
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

let counter = 0;
/** A username no other test of this process uses (3–32 characters, as the signup rules ask). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid.toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`.slice(0, 32);
}

/** Issues a personal API token (`ast_…`) for the user. */
export async function createApiToken(server: { url: string }, user: TestUser, name = 'test client'): Promise<string> {
  const r = await api(server, 'POST', '/api/tokens', { token: user.token, body: { name } });
  if (r.status !== 201) throw new Error(`create token failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}

export interface Team {
  projectId: string;
  owner: TestUser;
  editor: TestUser;
  viewer: TestUser;
  /** Signed up, but not a member of the project. */
  outsider: TestUser;
}

/** Four fresh users and a project owned by `owner`, with `editor` and `viewer` as members. */
export async function createTeam(server: { url: string }, projectName = 'Team project'): Promise<Team> {
  const [owner, editor, viewer, outsider] = await Promise.all(['owner', 'editor', 'viewer', 'outsider'].map((p) => signup(server, uniqueName(p))));
  const projectId = await createProject(server, owner, projectName);
  await addMember(server, owner, projectId, editor.username, 'editor');
  await addMember(server, owner, projectId, viewer.username, 'viewer');
  return { projectId, owner, editor, viewer, outsider };
}

/** Asserts the API's error contract: the status, and a body `{"error": {"code", "message"}}`. */
export function expectApiError(r: ApiResult, status: number, code?: string): void {
  const where = `${r.status} ${JSON.stringify(r.body)}`;
  if (r.status !== status) throw new Error(`expected status ${status}, got ${where}`);
  const e = r.body?.error;
  if (typeof e?.code !== 'string' || typeof e?.message !== 'string' || !e.message) throw new Error(`not an API error body: ${where}`);
  if (code !== undefined && e.code !== code) throw new Error(`expected error code ${code}, got ${where}`);
}
