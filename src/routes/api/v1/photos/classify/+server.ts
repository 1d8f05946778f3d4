import { apiRoute } from '$lib/server/http/api-route';
import { classifyRequestSchema } from '$lib/server/integration/integration.schema';
import { v1Post } from '$lib/server/integration/api-v1-route';
import type { RequestHandler } from './$types';

/** {photos: [{url}|{assetId}], callbackUrl?, writeToBrief?}: photos join the library, one photo.analyze job per 50. */
export const POST: RequestHandler = apiRoute((event) => v1Post(event, classifyRequestSchema, (integration, key, input) => integration.classify(key, input)));
