/**
 * The editor's consent to the `container` host shell: a modal, once per engine (kept in the
 * extension's global state by engine URL), showing exactly what will run. Declined, the engine
 * shows no host facts and says why; nothing is asked again until the setting changes.
 */
import * as vscode from 'vscode';
import type { HelperConsentRequest } from '../../core/host/containerShell';

const STATE_KEY = 'netlens.helperConsent';
export const ALLOW_HELPER = 'Run the helper container';

export function helperConsent(memento: vscode.Memento): (request: HelperConsentRequest) => Promise<boolean> {
  return async (request) => {
    const allowed = memento.get<string[]>(STATE_KEY, []);
    if (allowed.includes(request.engineUrl)) return true;
    const pick = await vscode.window.showWarningMessage(
      `netlens: read the host of ${request.engineUrl} through a privileged helper container?`,
      {
        modal: true,
        detail: `${request.description}\n\nImage: ${request.image.image} (${request.image.how === 'present' ? 'already on the engine' : request.image.how === 'configured' ? 'netlens.helperImage, present' : 'pulled by the engine'}).`,
      },
      ALLOW_HELPER,
    );
    if (pick !== ALLOW_HELPER) return false;
    await memento.update(STATE_KEY, [...allowed, request.engineUrl]);
    return true;
  };
}
