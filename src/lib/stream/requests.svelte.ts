import { ApiFailure, apiJson, messageOf } from '$lib/api-client';
import type { RequestableSong, SongRequestView } from '$lib/song-request';
import { guestStore } from './station-socket';

const PAGE = 20;

/**
 * The stream page's song requests: search what the station lets listeners request, request one with an optional
 * name and message, and follow what became of your own requests. Refusals are the server's own words.
 */
export class StreamRequests {
  /** False once the channel says it takes no requests (at load, or when the server refuses with requests_off). */
  enabled = $state(true);
  offMessage = $state('This station is not taking song requests right now.');
  query = $state('');
  songs = $state.raw<RequestableSong[]>([]);
  total = $state(0);
  searching = $state(false);
  /** The last refusal or failure, in the server's words. */
  error = $state('');
  /** What the last successful request said. */
  notice = $state('');
  sending = $state(false);
  mine = $state.raw<SongRequestView[]>([]);
  private searchSeq = 0;

  constructor(
    private readonly slug: string,
    enabled: boolean
  ) {
    this.enabled = enabled;
  }

  private get base(): string {
    return `/api/channels/by-slug/${encodeURIComponent(this.slug)}`;
  }

  private refused(e: unknown): void {
    if (e instanceof ApiFailure && e.code === 'requests_off') {
      this.enabled = false;
      this.offMessage = e.message;
    }
    this.error = messageOf(e);
  }

  async search(q = this.query): Promise<void> {
    if (!this.enabled) return;
    const seq = ++this.searchSeq;
    this.searching = true;
    try {
      const r = await apiJson<{ items: RequestableSong[]; total: number }>(`${this.base}/requestable?q=${encodeURIComponent(q.trim())}&limit=${PAGE}`);
      // Typing fast: only the latest search's answer is shown.
      if (seq !== this.searchSeq) return;
      this.songs = r.items;
      this.total = r.total;
      this.error = '';
    } catch (e) {
      if (seq === this.searchSeq) this.refused(e);
    } finally {
      if (seq === this.searchSeq) this.searching = false;
    }
  }

  async request(song: RequestableSong, name: string, message: string): Promise<boolean> {
    if (this.sending) return false;
    this.sending = true;
    this.notice = '';
    try {
      const made = await apiJson<SongRequestView>(`${this.base}/requests`, {
        method: 'POST',
        body: { assetId: song.id, guestId: guestStore.ensureGuestId(), name: name.trim() || undefined, message: message.trim() || undefined }
      });
      this.mine = [made, ...this.mine.filter((r) => r.id !== made.id)];
      this.notice = `Requested “${made.title}”. It joins the queue and airs once the station's request delay has passed.`;
      this.error = '';
      return true;
    } catch (e) {
      this.refused(e);
      return false;
    } finally {
      this.sending = false;
    }
  }

  /** Your requests as the server has them now (pending, or settled in the last hour). */
  async refreshMine(): Promise<void> {
    const guestId = guestStore.guestId;
    try {
      const r = await apiJson<{ requests: SongRequestView[] }>(`${this.base}/requests${guestId ? `?guestId=${encodeURIComponent(guestId)}` : ''}`);
      this.mine = r.requests;
    } catch {
      // Kept as last seen; the next refresh tries again.
    }
  }

  get hasPending(): boolean {
    return this.mine.some((r) => r.status === 'pending');
  }
}
