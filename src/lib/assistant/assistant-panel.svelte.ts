import type { ProvidersView } from '$lib/ai';
import { ASSISTANT_MESSAGE_MAX, type AssistantAction, type AssistantMessage } from '$lib/editor/model/assistant-conversation';
import { canEdit } from '$lib/editor/model/role';
import type { ProjectSession } from '$lib/editor/project-session.svelte';
import { assistantPresence, readPeersAsking, type PeerAsking } from './assistant-presence';
import { runAssistantTurn } from './assistant-turn';

/** The reply so far is shared at most this often (awareness sends the whole state each time). */
const SHARE_EVERY_MS = 200;

/** Who answers: the project's language model, or the command language when none is configured. */
export type AssistantMode = 'loading' | 'llm' | 'commands';

/**
 * The assistant panel's state: the shared conversation (live from the project document), the turn this person is
 * asking (its reply streaming in, the actions done so far), and whether a language model answers.
 */
export class AssistantPanelState {
  messages = $state.raw<AssistantMessage[]>([]);
  mode = $state<AssistantMode>('loading');
  busy = $state(false);
  /** The question being answered and the reply text so far (shown until the answer lands in the conversation). */
  asking = $state<string | null>(null);
  streaming = $state('');
  actions = $state.raw<AssistantAction[]>([]);
  error = $state<string | null>(null);
  /** Teammates' turns under way, their replies as they stream. */
  peers = $state.raw<PeerAsking[]>([]);
  readonly #stop: (() => void)[] = [];
  #shareTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly session: ProjectSession,
    readonly projectId: string
  ) {
    const read = () => (this.messages = session.project.assistant.list());
    read();
    this.#stop.push(session.project.assistant.observe(read));
    const awareness = session.provider.awareness;
    const peersChanged = () => (this.peers = readPeersAsking(awareness.getStates(), session.doc.clientID));
    peersChanged();
    awareness.on('change', peersChanged);
    this.#stop.push(() => awareness.off('change', peersChanged));
    void this.loadMode();
  }

  get mayAsk(): boolean {
    return canEdit(this.session.role);
  }

  async loadMode(): Promise<void> {
    try {
      const r = await fetch(`/api/projects/${this.projectId}/providers`);
      if (!r.ok) throw new Error(String(r.status));
      const view = (await r.json()) as ProvidersView;
      this.mode = view.llm.baseUrl && view.llm.model ? 'llm' : 'commands';
    } catch {
      // Unknown until the first answer: the server says which when asked.
      this.mode = 'commands';
    }
  }

  /** Asks the assistant; true when the request was sent (the input may be cleared). */
  async send(text: string): Promise<boolean> {
    const message = text.trim();
    if (!message || this.busy) return false;
    if (!this.mayAsk) {
      this.error = 'Viewers can read the conversation; ask the owner for the editor role to ask the assistant for changes.';
      return false;
    }
    if (message.length > ASSISTANT_MESSAGE_MAX) {
      this.error = `A request has at most ${ASSISTANT_MESSAGE_MAX} characters: shorten it.`;
      return false;
    }
    this.busy = true;
    this.error = null;
    this.asking = message;
    this.streaming = '';
    this.actions = [];
    this.share();
    try {
      const result = await runAssistantTurn(this.session.context, this.projectId, message, { fetch }, {
        onText: (d) => {
          this.streaming += d;
          this.#shareTimer ??= setTimeout(() => this.share(), SHARE_EVERY_MS);
        },
        onAction: (a) => (this.actions = [...this.actions, a])
      });
      this.mode = result.source === 'llm' ? 'llm' : 'commands';
    } catch (e) {
      this.error = `The assistant stopped: ${e instanceof Error ? e.message : String(e)}. Ask again.`;
    } finally {
      this.busy = false;
      this.asking = null;
      this.streaming = '';
      this.actions = [];
      this.share();
    }
    return true;
  }

  /** Publishes this tab's turn (or its end) to everyone's panel. */
  private share(): void {
    clearTimeout(this.#shareTimer);
    this.#shareTimer = undefined;
    this.session.provider.awareness.setLocalStateField('assistant', this.asking ? assistantPresence(this.asking, this.streaming) : null);
  }

  destroy(): void {
    clearTimeout(this.#shareTimer);
    if (this.asking) this.session.provider.awareness.setLocalStateField('assistant', null);
    for (const fn of this.#stop) fn();
  }
}
