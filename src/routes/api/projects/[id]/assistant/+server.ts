import { ASSISTANT_STREAM_TYPE } from '$lib/assistant';
import { getApp } from '$lib/server/app';
import { askAssistantSchema } from '$lib/server/assistant/assistant.schema';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** `{message, history?, context?}`: the project's language model's reply, streamed as NDJSON events (text deltas, tool calls, done). */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const input = await readJson(request, askAssistantSchema);
  const assistant = (await getApp()).assistant;
  const llm = await assistant.prepare(user, params.id);
  const abort = new AbortController();
  const encoder = new TextEncoder();
  const events = assistant.turn(llm, input, abort.signal);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await events.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
    },
    cancel() {
      // The asker closed the panel or the tab: stop paying for tokens nobody reads.
      abort.abort();
      void events.return(undefined);
    }
  });
  return new Response(body, { headers: { 'content-type': ASSISTANT_STREAM_TYPE, 'cache-control': 'no-store', 'x-accel-buffering': 'no' } });
});
