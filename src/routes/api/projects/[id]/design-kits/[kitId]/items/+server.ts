import { json } from '@sveltejs/kit';
import { KIT_ITEM_ROLES, kitItemFromAsset, MAX_KIT_IMAGE_BYTES, type KitItemRole } from '$lib/design-kit';
import { getApp } from '$lib/server/app';
import { ApiError, badRequest } from '$lib/server/http/api-error';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/**
 * An image into the kit: JSON {assetId, role} takes a library image of this project; multipart/form-data with `file`
 * and `role` uploads one. Cut-outs must be PNG or WebP with transparency (422 otherwise).
 */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const app = await getApp();
  const type = request.headers.get('content-type') ?? '';
  if (!type.startsWith('multipart/form-data')) {
    const body = await readJson(request, kitItemFromAsset);
    return json(await app.designKits.addFromAsset(user, params.id, params.kitId, body), { status: 201 });
  }
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > MAX_KIT_IMAGE_BYTES + 64 * 1024) throw new ApiError(413, 'payload_too_large', `A kit image is at most ${MAX_KIT_IMAGE_BYTES / 1024 / 1024} MB.`);
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw badRequest('The upload is not valid multipart/form-data.', 'invalid_form');
  }
  const file = form.get('file');
  const role = form.get('role');
  if (!(file instanceof File)) throw badRequest('Send the picture as the form field "file".');
  if (typeof role !== 'string' || !KIT_ITEM_ROLES.includes(role as KitItemRole)) throw badRequest('role is reference or cutout.');
  if (file.size > MAX_KIT_IMAGE_BYTES) throw new ApiError(413, 'payload_too_large', `A kit image is at most ${MAX_KIT_IMAGE_BYTES / 1024 / 1024} MB.`);
  if (file.size === 0) throw badRequest('The file is empty.', 'empty_file');
  const data = Buffer.from(await file.arrayBuffer());
  return json(await app.designKits.addUpload(user, params.id, params.kitId, { role: role as KitItemRole, name: file.name, data }), { status: 201 });
});
