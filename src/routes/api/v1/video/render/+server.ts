import { apiRoute } from '$lib/server/http/api-route';
import { renderRequestSchema } from '$lib/server/integration/integration.schema';
import { v1Post } from '$lib/server/integration/api-v1-route';
import type { RequestHandler } from './$types';

/** {photos, music?, listing?, variants?, timeline?, callbackUrl?}: one listing.render job. */
export const POST: RequestHandler = apiRoute((event) => v1Post(event, renderRequestSchema, (integration, key, input) => integration.render(key, input)));
