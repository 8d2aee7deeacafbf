import { strict as assert } from 'node:assert';
import { layoutTopology } from '../../../webview/layout';
import { initialUiState, readUiState } from '../../../webview/uiState';
import { loadTopologyFixture } from '../../support/topologyFixtures';

describe('webview UI state', () => {
  it('survives a round trip through setState/getState (JSON), layout memory included', () => {
    const memory = layoutTopology(loadTopologyFixture('lab-20.10'), { columnsPerBand: 3 }).memory;
    const state = { version: 1 as const, transform: { k: 0.5, x: -10, y: 20 }, selected: 'ctr:abc', collapsed: ['net:x'], query: 'port:80', hideUnmatched: true, memory };
    assert.deepEqual(readUiState(JSON.parse(JSON.stringify(state))), state);
  });

  it('falls back to the initial state, field by field, for anything it does not recognise', () => {
    assert.deepEqual(readUiState(undefined), initialUiState);
    assert.deepEqual(readUiState({ version: 2, query: 'x' }), initialUiState);
    const r = readUiState({ version: 1, transform: { k: 'big', x: 0, y: 0 }, selected: 5, collapsed: ['a', 3], query: null, hideUnmatched: 'yes', memory: { columns: [1] } });
    assert.deepEqual(r, { ...initialUiState, collapsed: ['a'] });
  });
});
