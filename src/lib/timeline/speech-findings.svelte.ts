import { apiJson } from '$lib/api-client';
import type { JobJson } from '$lib/job';
import type { ProjectSocket } from '$lib/realtime/project-socket';
import { collectSpeech, latestSpeech, SPEECH_PAGE, toolJobType, type TimeRange } from '$lib/tool';
import type { TimelineSnapshot } from '$lib/editor/model/timeline/snapshot';
import { assetsWithoutSpeech, voiceClips } from '$lib/editor/model/timeline/speech-ducking';

/**
 * What speech detection found in the media of the voice tracks that other tracks duck under by speech: read from the
 * project's speech jobs for the exact preview and the ducking menu, and started from there for media not yet detected.
 */
export class SpeechFindings {
  byAsset = $state.raw<Record<string, TimeRange[]>>({});
  /** Asset ids whose detection was started here and has not been read back as done yet. */
  pending = $state.raw<string[]>([]);

  constructor(private readonly projectId: string) {}

  /** Takes each speech detection of the project as it finishes (the ducking menu updates); returns the unsubscribe. */
  attach(socket: ProjectSocket): () => void {
    const onJob = (job: JobJson) => {
      if (job.projectId !== this.projectId) return;
      const found: Record<string, TimeRange[]> = {};
      collectSpeech(found, [job]);
      if (!Object.keys(found).length) return;
      this.byAsset = { ...this.byAsset, ...found };
      this.pending = this.pending.filter((id) => !found[id]);
    };
    socket.on('job', onJob);
    return () => socket.off('job', onJob);
  }

  /** The media of the clips on voice tracks that some track ducks under by speech. */
  spokenAssets(snapshot: TimelineSnapshot): string[] {
    const voices = new Set(snapshot.tracks.flatMap((t) => (t.ducking?.mode === 'speech' ? [t.ducking.byTrackId] : [])));
    return [...new Set([...voices].flatMap((id) => voiceClips(snapshot, id).flatMap((c) => (c.assetId ? [c.assetId] : []))))];
  }

  /** Reads the newest speech detection of each asset (those that have none stay out). */
  async refresh(assetIds: readonly string[]): Promise<void> {
    if (!assetIds.length) return;
    const found = await latestSpeech(assetIds, (before) =>
      apiJson<{ jobs: JobJson[] }>(
        `/api/projects/${this.projectId}/jobs?type=${toolJobType('speech')}&status=succeeded&limit=${SPEECH_PAGE}${before === undefined ? '' : `&before=${before}`}`
      ).then((r) => r.jobs)
    );
    this.byAsset = { ...this.byAsset, ...found };
    this.pending = this.pending.filter((id) => !found[id]);
  }

  /** The voice track's media with no speech detection yet. */
  missing(snapshot: TimelineSnapshot, voiceTrackId: string): string[] {
    return assetsWithoutSpeech(voiceClips(snapshot, voiceTrackId), this.byAsset);
  }

  /** Queues speech detection (the library's tool, charged as such) on each asset; throws the server's refusal. */
  async detect(assetIds: readonly string[]): Promise<void> {
    for (const id of assetIds) {
      if (this.pending.includes(id)) continue;
      await apiJson<JobJson>(`/api/assets/${id}/tools/speech`, { method: 'POST', body: {} });
      this.pending = [...this.pending, id];
    }
  }
}
