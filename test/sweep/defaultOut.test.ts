import { describe, expect, it } from 'vitest';
import { defaultOutFolder } from '../../src/cli/defaultOut.js';

describe('default output folder (issue 15 item 6: a --set run does not overwrite the base results)', () => {
  it.each([
    ['chatbot', [], 'results/chatbot'],
    ['chatbot', ['fleet.gpus=8'], 'results/chatbot--fleet.gpus=8'],
    ['chatbot', ['fleet.gpus=8', 'gpu=l40s'], 'results/chatbot--fleet.gpus=8--gpu=l40s'],
    ['chatbot', ['classes[0].slo.ttft=800ms'], 'results/chatbot--classes_0_.slo.ttft=800ms'],
    ['chatbot', ['name=../x'], 'results/chatbot--name=.._x'],
  ])('%s %j -> %s', (name, set, expected) => {
    expect(defaultOutFolder(name, set)).toBe(expected);
  });
});
