import { Readable } from 'node:stream';
import { canEdit } from '$lib/editor/model/role';
import { newId } from '$lib/editor/model/ids';
import { REFINEMENT_UNAVAILABLE, refinementAvailable, type CutoutRefinementJson, type CutoutRequest, type DesignKitJson, type KitInput, type KitItemJson, type KitItemRole } from '$lib/design-kit';
import type { DesignKitItemRow, DesignKitRow, UserRow } from '../db/schema';
import type { AssetRepository } from '../asset/asset.repository';
import { displayName, titleFromName } from '../asset/file-name';
import { ApiError, forbidden, notFound } from '../http/api-error';
import type { ProjectService } from '../project/project.service';
import type { BlobStorage } from '../storage/local-storage';
import { cutOutPolygon } from './cutout-mask';
import type { CutoutRefiner } from './cutout-refinement';
import type { DesignKitRepository } from './design-kit.repository';
import { inspectKitImage } from './kit-image';

const NO_KIT = 'No design kit with that id among this project’s kits.';

/**
 * Design kits: a project shows the kits of its owner, so every project that owner has shares them. Members read them;
 * owners and editors change them. Kit images are copies of stored files (by hash), checked on the way in.
 */
export class DesignKitService {
  constructor(
    private readonly projects: ProjectService,
    private readonly kits: DesignKitRepository,
    private readonly assets: AssetRepository,
    private readonly storage: BlobStorage,
    private readonly refiner: CutoutRefiner,
    private readonly now: () => number = Date.now
  ) {}

  /** The owner whose kits the project shows, after checking the user's access. */
  private async ownerFor(user: UserRow, projectId: string, write: boolean): Promise<string> {
    const role = await this.projects.requireRole(user.id, projectId);
    if (write && !canEdit(role)) throw forbidden('Viewers cannot change design kits.');
    const owner = await this.kits.projectOwner(projectId);
    if (!owner) throw notFound('No such project.');
    return owner;
  }

  private async kitFor(user: UserRow, projectId: string, kitId: string, write: boolean): Promise<DesignKitRow> {
    const owner = await this.ownerFor(user, projectId, write);
    const kit = await this.kits.find(kitId);
    if (!kit || kit.owner_id !== owner) throw notFound(NO_KIT);
    return kit;
  }

  async list(user: UserRow, projectId: string): Promise<DesignKitJson[]> {
    const rows = await this.kits.listByOwner(await this.ownerFor(user, projectId, false));
    const items = await this.kits.items(rows.map((r) => r.id));
    return rows.map((r) => toJson(r, items, projectId));
  }

  async get(user: UserRow, projectId: string, kitId: string): Promise<DesignKitJson> {
    const kit = await this.kitFor(user, projectId, kitId, false);
    return toJson(kit, await this.kits.items([kit.id]), projectId);
  }

  async create(user: UserRow, projectId: string, input: KitInput): Promise<DesignKitJson> {
    const owner = await this.ownerFor(user, projectId, true);
    const t = this.now();
    const row: DesignKitRow = { id: newId(), owner_id: owner, name: input.name, description: input.description, palette: JSON.stringify(input.palette), created_by: user.id, created_at: t, updated_at: t };
    await this.kits.insert(row);
    return toJson(row, [], projectId);
  }

  async update(user: UserRow, projectId: string, kitId: string, patch: Partial<KitInput>): Promise<DesignKitJson> {
    const kit = await this.kitFor(user, projectId, kitId, true);
    await this.kits.update(kit.id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.palette !== undefined ? { palette: JSON.stringify(patch.palette) } : {}),
      updated_at: this.now()
    });
    return this.get(user, projectId, kitId);
  }

  async delete(user: UserRow, projectId: string, kitId: string): Promise<void> {
    const kit = await this.kitFor(user, projectId, kitId, true);
    await this.kits.delete(kit.id);
  }

  /** A library image of this project into the kit (checked as a cut-out or a reference). */
  async addFromAsset(user: UserRow, projectId: string, kitId: string, input: { assetId: string; role: KitItemRole }): Promise<KitItemJson> {
    const kit = await this.kitFor(user, projectId, kitId, true);
    const asset = await this.assets.findById(input.assetId);
    if (!asset || asset.project_id !== projectId) throw notFound('No asset with that id in this project’s library.');
    if (asset.kind !== 'image') throw new ApiError(422, 'not_an_image', `“${asset.title}” is ${asset.kind === 'audio' ? 'audio' : 'a video'}: kits hold pictures.`);
    const image = await inspectKitImage(await this.storage.localFile(asset.sha256), input.role, `“${asset.title}”`);
    return this.insertItem(kit, user, { role: input.role, title: asset.title, sha256: asset.sha256, bytes: Number(asset.bytes), sourceAssetId: asset.id, ...image }, projectId);
  }

  /** An uploaded picture into the kit; `name` is the file's name as the browser sent it (any text). */
  async addUpload(user: UserRow, projectId: string, kitId: string, input: { role: KitItemRole; name: string; data: Buffer }): Promise<KitItemJson> {
    const kit = await this.kitFor(user, projectId, kitId, true);
    const name = displayName(input.name);
    const image = await inspectKitImage(input.data, input.role, `“${name}”`);
    const stored = await this.storage.putStream(Readable.from(input.data));
    return this.insertItem(kit, user, { role: input.role, title: titleFromName(name), sha256: stored.sha256, bytes: stored.bytes, sourceAssetId: null, ...image }, projectId);
  }

  /** Whether drawn cut-outs are refined automatically here (an operator's segmentation model), and how it is said. */
  refinement(): CutoutRefinementJson {
    const model = this.refiner.modelName;
    return model ? { available: true, message: refinementAvailable(model) } : { available: false, message: REFINEMENT_UNAVAILABLE };
  }

  /**
   * Cuts an object out of a library photo along the outline a person drew, into the kit as a cut-out, refined by the
   * server's segmentation model when it has one and the request leaves `refine` on. `refinement.applied` says which.
   */
  async cutout(user: UserRow, projectId: string, kitId: string, input: CutoutRequest): Promise<{ item: KitItemJson; refinement: CutoutRefinementJson & { applied: boolean } }> {
    const kit = await this.kitFor(user, projectId, kitId, true);
    const asset = await this.assets.findById(input.assetId);
    if (!asset || asset.project_id !== projectId) throw notFound('No asset with that id in this project’s library.');
    if (asset.kind !== 'image') throw new ApiError(422, 'not_an_image', `“${asset.title}” is not a photo: cut-outs are drawn on pictures.`);
    const cut = await cutOutPolygon(await this.storage.localFile(asset.sha256), input.points, input.feather, input.refine ? this.refiner : undefined);
    const stored = await this.storage.putStream(Readable.from(cut.data));
    const title = input.title ?? `${asset.title} (cut-out)`.slice(0, 120);
    const item = await this.insertItem(kit, user, { role: 'cutout', title, sha256: stored.sha256, bytes: stored.bytes, sourceAssetId: asset.id, mime: 'image/png', width: cut.width, height: cut.height }, projectId);
    const refinement = this.refinement();
    const failed = refinement.available && input.refine && !cut.refined;
    return { item, refinement: { ...refinement, applied: cut.refined, ...(failed ? { message: 'The segmentation model failed on this photo (it is logged), so the cut-out follows the drawn outline.' } : {}) } };
  }

  async removeItem(user: UserRow, projectId: string, kitId: string, itemId: string): Promise<void> {
    const kit = await this.kitFor(user, projectId, kitId, true);
    if (!(await this.kits.deleteItem(kit.id, itemId))) throw notFound('No such image in this kit.');
  }

  /** A kit image's stored file, for a member of a project that shows the kit, or by a signed URL (the render job). */
  async itemFile(user: UserRow | null, projectId: string, kitId: string, itemId: string, signed: boolean): Promise<{ sha256: string; mime: string; title: string }> {
    let kit: DesignKitRow | undefined;
    if (user) kit = await this.kitFor(user, projectId, kitId, false);
    else {
      kit = await this.kits.find(kitId);
      if (!signed || !kit || kit.owner_id !== (await this.kits.projectOwner(projectId))) throw notFound(NO_KIT);
    }
    const item = await this.kits.findItem(itemId);
    if (!item || item.kit_id !== kit.id) throw notFound('No such image in this kit.');
    return { sha256: item.sha256, mime: item.mime, title: item.title };
  }

  /** Cut-outs a project may place (its owner's kits), by id; for the staging render (no user: the job checked). */
  async cutoutsFor(projectId: string, itemIds: readonly string[]): Promise<Map<string, DesignKitItemRow>> {
    const owner = await this.kits.projectOwner(projectId);
    const out = new Map<string, DesignKitItemRow>();
    for (const id of new Set(itemIds)) {
      const item = await this.kits.findItem(id);
      const kit = item && (await this.kits.find(item.kit_id));
      if (item && kit && kit.owner_id === owner && item.role === 'cutout') out.set(id, item);
    }
    return out;
  }

  private async insertItem(
    kit: DesignKitRow,
    user: UserRow,
    i: { role: KitItemRole; title: string; sha256: string; bytes: number; sourceAssetId: string | null; mime: string; width: number; height: number },
    projectId: string
  ): Promise<KitItemJson> {
    const row: DesignKitItemRow = {
      id: newId(),
      kit_id: kit.id,
      role: i.role,
      title: i.title.slice(0, 200),
      sha256: i.sha256,
      bytes: i.bytes,
      mime: i.mime,
      width: i.width,
      height: i.height,
      source_asset_id: i.sourceAssetId,
      created_by: user.id,
      created_at: this.now()
    };
    await this.kits.insertItem(row);
    await this.kits.update(kit.id, { updated_at: this.now() });
    return itemJson(row, projectId);
  }
}

export const kitItemPath = (projectId: string, kitId: string, itemId: string) => `/api/projects/${projectId}/design-kits/${kitId}/items/${itemId}/file`;

function itemJson(r: DesignKitItemRow, projectId: string): KitItemJson {
  return {
    id: r.id,
    kitId: r.kit_id,
    role: r.role,
    title: r.title,
    mime: r.mime,
    width: r.width,
    height: r.height,
    bytes: Number(r.bytes),
    sourceAssetId: r.source_asset_id,
    url: kitItemPath(projectId, r.kit_id, r.id),
    createdAt: new Date(Number(r.created_at)).toISOString()
  };
}

function toJson(r: DesignKitRow, items: DesignKitItemRow[], projectId: string): DesignKitJson {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    palette: JSON.parse(r.palette) as string[],
    ownerId: r.owner_id,
    items: items.filter((i) => i.kit_id === r.id).map((i) => itemJson(i, projectId)),
    createdAt: new Date(Number(r.created_at)).toISOString(),
    updatedAt: new Date(Number(r.updated_at)).toISOString()
  };
}
