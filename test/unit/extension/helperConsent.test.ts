import { strict as assert } from 'node:assert';
import { stubVscode } from '../../support/vscodeStub';
import { describeHelper } from '../../../src/core/host/helper/helperSpec';

class MemoryMemento {
  private readonly values = new Map<string, unknown>();
  keys(): readonly string[] {
    return [...this.values.keys()];
  }
  get<T>(key: string, fallback?: T): T {
    return (this.values.has(key) ? this.values.get(key) : fallback) as T;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
  }
}

describe('extension: consent to the helper container', () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  it('a modal showing exactly what runs, once per engine; a no is not remembered as a yes', async () => {
    const asked: Array<{ message: string; options: { modal?: boolean; detail?: string }; answer: string | undefined }> = [];
    let answer: string | undefined;
    const ALLOW = 'Run the helper container';
    restore = stubVscode('window', {
      showWarningMessage: async (message: string, options: { modal?: boolean; detail?: string }) => {
        asked.push({ message, options, answer });
        return answer;
      },
    });
    // loaded after the stub has its `window`: a compiled `import * as vscode` copies the keys it finds
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ALLOW_HELPER, helperConsent } = require('../../../src/extension/engines/helperConsent') as typeof import('../../../src/extension/engines/helperConsent');
    const consent = helperConsent(new MemoryMemento() as never);
    const request = (engineUrl: string) => ({ engineUrl, image: { image: 'busybox:stable', how: 'present' as const }, description: describeHelper('busybox:stable') });

    answer = undefined;
    assert.equal(await consent(request('tcp://10.0.0.5:2376')), false);
    answer = ALLOW;
    assert.equal(ALLOW_HELPER, ALLOW);
    assert.equal(await consent(request('tcp://10.0.0.5:2376')), true);
    assert.equal(await consent(request('tcp://10.0.0.5:2376')), true);
    assert.equal(asked.length, 2, 'asked again after a yes');
    assert.equal(asked[1]!.options.modal, true);
    assert.ok(asked[1]!.options.detail?.includes(describeHelper('busybox:stable')), 'the modal does not show what runs');
    assert.match(asked[1]!.message, /tcp:\/\/10\.0\.0\.5:2376/);
    answer = undefined;
    assert.equal(await consent(request('unix:///var/run/docker.sock')), false, 'another engine was allowed by the first one\'s yes');
    assert.equal(asked.length, 3);
  });
});
