import { addPhotos } from '../../model/brief/operations';
import type { BriefAssets } from '../../model/brief/snapshot';
import { briefCommand } from './brief-command';

/** Library images into the brief; `assets` is what the library says of them (only images go in). */
export const addPhotosCommand = briefCommand<{ assetIds: readonly string[]; index?: number; assets: BriefAssets }>({
  name: 'brief.addPhotos',
  label: 'Add photos',
  operate: (s, args) => addPhotos(s, args)
});
