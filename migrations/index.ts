import type { Migration } from 'kysely';
import * as m0001 from './0001_accounts_projects_documents';
import * as m0002 from './0002_jobs_workers_assets';
import * as m0003 from './0003_renders';
import * as m0004 from './0004_channels_chat';
import * as m0005 from './0005_live_output';
import * as m0006 from './0006_webhooks_requests';
import * as m0007 from './0007_podcasts';
import * as m0008 from './0008_request_notes_listener_peak';
import * as m0009 from './0009_credits';
import * as m0010 from './0010_providers';
import * as m0011 from './0011_dj';
import * as m0012 from './0012_generator';
import * as m0013 from './0013_video_generation';
import * as m0014 from './0014_api_keys';
import * as m0015 from './0015_design_kits';
import * as m0016 from './0016_generator_cluster_state';

/** Numbered migrations, applied in key order on SQLite and PostgreSQL alike. */
export const migrations: Record<string, Migration> = {
  '0001_accounts_projects_documents': m0001,
  '0002_jobs_workers_assets': m0002,
  '0003_renders': m0003,
  '0004_channels_chat': m0004,
  '0005_live_output': m0005,
  '0006_webhooks_requests': m0006,
  '0007_podcasts': m0007,
  '0008_request_notes_listener_peak': m0008,
  '0009_credits': m0009,
  '0010_providers': m0010,
  '0011_dj': m0011,
  '0012_generator': m0012,
  '0013_video_generation': m0013,
  '0014_api_keys': m0014,
  '0015_design_kits': m0015,
  '0016_generator_cluster_state': m0016
};
