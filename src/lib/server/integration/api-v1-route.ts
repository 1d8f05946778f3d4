import { json } from '@sveltejs/kit';
import type { z } from 'zod';
import { getApp } from '../app';
import { ApiError } from '../http/api-error';
import { readJson } from '../http/api-route';
import type { ApiKeyPrincipal } from '../api-key/api-key.service';
import type { ApiAnswer, IntegrationService } from './integration.service';

/** The project API key of a /api/v1 request, or 401. */
export function requireApiKey(locals: App.Locals): ApiKeyPrincipal {
  if (!locals.apiKey) throw new ApiError(401, 'unauthorized', 'Send a project API key as "Authorization: Bearer ask_…" (create one in the project\'s API keys).');
  return locals.apiKey;
}

/** A POST of the integration API: key, body validated by `schema`, Idempotency-Key honoured, the answer as JSON. */
export async function v1Post<T>(
  event: { locals: App.Locals; request: Request; url: URL },
  schema: z.ZodType<T>,
  run: (integration: IntegrationService, key: ApiKeyPrincipal, input: T) => Promise<ApiAnswer>
): Promise<Response> {
  const key = requireApiKey(event.locals);
  const input = await readJson(event.request, schema);
  const integration = (await getApp()).integration;
  const idempotencyKey = event.request.headers.get('idempotency-key');
  const answer = await integration.idempotent(key, idempotencyKey, `POST ${event.url.pathname} ${JSON.stringify(input)}`, () => run(integration, key, input));
  return json(answer.body, { status: answer.status, headers: answer.replayed ? { 'Idempotent-Replayed': 'true' } : {} });
}
