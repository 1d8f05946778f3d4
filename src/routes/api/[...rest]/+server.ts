import type { RequestHandler } from './$types';

/** Unknown API paths answer in the API's error format, not with an HTML page. */
const notFound: RequestHandler = ({ url, request }) =>
  new Response(JSON.stringify({ error: { code: 'not_found', message: `No API route ${request.method} ${url.pathname}.` } }), {
    status: 404,
    headers: { 'Content-Type': 'application/json' }
  });

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
