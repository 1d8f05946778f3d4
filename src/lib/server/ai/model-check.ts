import OpenAI from 'openai';
import type { ProviderTestResult } from '$lib/ai';
import { describeFailure } from './llm-client';

/**
 * Whether an OpenAI-style service (transcription, video generation) answers `GET {base}/models` with this key and
 * lists the model. Nothing is generated: a test must not cost credits at the service. A server without /models that
 * still answered 404 counts as reachable, since many single-model servers have none.
 */
export async function checkModelService(baseUrl: string, apiKey: string | null, model: string, what: string): Promise<ProviderTestResult> {
  const client = new OpenAI({ baseURL: baseUrl, apiKey: apiKey ?? 'none', timeout: 10_000, maxRetries: 0 });
  const models: string[] = [];
  try {
    for await (const m of client.models.list()) models.push(m.id);
  } catch (e) {
    if (e instanceof OpenAI.NotFoundError) return { ok: true, message: `The ${what} at ${baseUrl} answered, but has no model list (GET /models is 404): "${model}" is not checked.` };
    return { ok: false, message: describeFailure(e, baseUrl, model) };
  }
  if (models.length && !models.includes(model)) {
    return { ok: false, message: `The ${what} at ${baseUrl} has no model "${model}". It offers: ${models.slice(0, 20).join(', ')}.`, models };
  }
  return { ok: true, message: `Connected to the ${what} at ${baseUrl}: model "${model}" is listed.`, models };
}
