import type { ProvidersView } from '$lib/ai';
import { ASSISTANT_MESSAGE_MAX, type AssistantAction, type AssistantMessage } from '$lib/editor/model/assistant-conversation';
import { canEdit } from '$lib/editor/model/role';
import type { ProjectSession } from '$lib/editor/project-session.svelte';
import { runAssistantTurn } from './assistant-turn';

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
  readonly #stop: () => void;

  constructor(
    readonly session: ProjectSession,
    readonly projectId: string
  ) {
    const read = () => (this.messages = session.project.assistant.list());
    read();
    this.#stop = session.project.assistant.observe(read);
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
    try {
      const result = await runAssistantTurn(this.session.context, this.projectId, message, { fetch }, {
        onText: (d) => (this.streaming += d),
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
    }
    return true;
  }

  destroy(): void {
    this.#stop();
  }
}
