import type { BriefJson } from '$lib/brief/brief-json';
import { heroId } from '$lib/editor/model/brief/normalize';
import { resolveTag } from '$lib/editor/model/brief/photo';
import type { BriefPhotoSnapshot } from '$lib/editor/model/brief/snapshot';
import { canEdit } from '$lib/editor/model/role';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import type { UserRow } from '../db/schema';
import type { AssetService } from '../asset/asset.service';
import type { ProjectService } from '../project/project.service';
import type { DocRegistry } from '../yjs/doc-registry';
import { forbidden } from '../http/api-error';

/** The most photos a brief lists with their pictures (the library lists at most this many images at once). */
const MAX_IMAGES = 500;

/**
 * Reads a project's staging brief out of its Yjs document for the API and the printable brief. Edits go through the
 * document (the board's commands), never through here.
 */
export class BriefService {
  constructor(
    private readonly projects: ProjectService,
    private readonly docs: DocRegistry,
    private readonly assets: AssetService
  ) {}

  /** Any member may read it (viewers too). */
  async read(user: UserRow, projectId: string): Promise<BriefJson> {
    const project = await this.projects.get(user, projectId);
    const doc = await this.docs.copyOf(projectId);
    try {
      const pd = new ProjectDoc(doc);
      const snapshot = pd.brief.snapshot();
      const { listing, photos } = snapshot;
      const hero = heroId(snapshot);
      const comments = pd.commentList();
      const { assets } = await this.assets.list(user, projectId, { kind: 'image', sort: 'newest', limit: MAX_IMAGES, offset: 0 });
      const byId = new Map(assets.map((a) => [a.id, a]));
      return {
        projectId,
        projectName: project.name,
        listing,
        photos: photos.map((p) => {
          const asset = byId.get(p.assetId);
          const picture = asset?.variants.find((v) => v.name === 'web') ?? asset?.variants.find((v) => v.name === 'thumb');
          return {
            id: p.id,
            assetId: p.assetId,
            title: asset?.title ?? null,
            imageUrl: picture?.url ?? null,
            room: resolveTag(p.room),
            setting: resolveTag(p.setting),
            quality: p.quality,
            focus: p.focus,
            hero: p.id === hero,
            includeInVideo: p.includeInVideo,
            staging: p.staging,
            status: p.status,
            stagedAssetId: p.stagedAssetId,
            enhancedAssetId: p.enhancedAssetId,
            notes: comments.flatMap((c) => (c.pin?.photoId === p.id ? [{ body: c.body, authorName: c.authorName, x: c.pin.x, y: c.pin.y, resolved: c.resolved }] : []))
          };
        })
      };
    } finally {
      doc.destroy();
    }
  }

  /** The brief's photos for a job that changes them (analysis, enhancement): owners and editors only, else `viewerRefusal` (403). */
  async photosForEditor(user: UserRow, projectId: string, viewerRefusal: string): Promise<BriefPhotoSnapshot[]> {
    if (!canEdit(await this.projects.requireRole(user.id, projectId))) throw forbidden(viewerRefusal);
    const doc = await this.docs.copyOf(projectId);
    try {
      return new ProjectDoc(doc).brief.snapshot().photos;
    } finally {
      doc.destroy();
    }
  }
}
