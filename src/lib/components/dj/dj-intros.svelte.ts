import { apiJson, messageOf } from '$lib/api-client';
import type { DjIntroView } from '$lib/dj';

/** How often the intros are read again while shown (their status moves as they are voiced). */
const REFRESH_MS = 5000;

/**
 * A channel's DJ intros as the studio shows them (the channel page's DJ card, the schedule view's upcoming list): the
 * intros from ten minutes ago to two hours ahead, kept fresh, with the lines being rewritten; a saved line is voiced again.
 */
export class DjIntros {
  intros = $state<DjIntroView[]>([]);
  /** Lines being edited, by intro id. */
  edits = $state<Record<string, string>>({});
  error = $state<string | null>(null);
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(readonly channelId: string) {}

  async load(): Promise<void> {
    const now = Date.now();
    const r = await apiJson<{ intros: DjIntroView[] }>(`/api/channels/${this.channelId}/intros?from=${now - 10 * 60_000}&to=${now + 2 * 3600_000}`);
    this.intros = r.intros;
  }

  /** Reads the intros again every few seconds until destroyed. */
  follow(): void {
    this.timer ??= setInterval(() => void this.load().catch(() => undefined), REFRESH_MS);
  }

  /** Saves a rewritten line; the server voices it again and the list shows its status. */
  async saveLine(intro: DjIntroView): Promise<void> {
    const text = (this.edits[intro.id] ?? intro.text).trim();
    this.error = null;
    try {
      const updated = await apiJson<DjIntroView>(`/api/channels/${this.channelId}/intros/${intro.id}`, { method: 'PATCH', body: { text } });
      this.intros = this.intros.map((i) => (i.id === updated.id ? updated : i));
      delete this.edits[intro.id];
    } catch (e) {
      this.error = messageOf(e);
    }
  }

  destroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
