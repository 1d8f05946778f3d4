import { setSetting } from '../../model/brief/operations';
import type { PhotoSetting } from '../../model/brief/snapshot';
import { briefCommand } from './brief-command';

export const setSettingCommand = briefCommand<{ photoIds: readonly string[]; setting: PhotoSetting | null }>({
  name: 'brief.setSetting',
  label: 'Interior or exterior',
  operate: (s, args) => setSetting(s, args)
});
