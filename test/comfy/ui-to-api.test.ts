import { describe, expect, it } from 'vitest';
import { preflightWorkflow } from '../../src/comfy/preflight.js';
import { isUiWorkflow, UiConversionError, uiToApi } from '../../src/comfy/ui-to-api.js';
import { fixture, serverObjectInfo, uiFixture } from './helpers/object-info.js';

const info = serverObjectInfo();

function inputsOf(wf: ReturnType<typeof uiToApi>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(wf).map(([id, n]) => [id, { class_type: n.class_type, inputs: n.inputs }]));
}

describe("uiToApi, given the editor's plain-Save files", () => {
  it('recognises the UI format and not the API format', () => {
    expect(isUiWorkflow(uiFixture('sd15-txt2img.ui.json'))).toBe(true);
    expect(isUiWorkflow(fixture('sd15-txt2img.json'))).toBe(false);
  });

  it('converts the default graph to exactly the API export (widget order from object_info, seed control value dropped)', () => {
    const api = uiToApi(uiFixture('sd15-txt2img.ui.json'), info);
    expect(inputsOf(api)).toEqual(inputsOf(fixture('sd15-txt2img.json')));
    expect(api['6']!._meta?.title).toBe('Positive');
    expect(api['3']!._meta?.title).toBe('KSampler'); // display name when untitled
    expect(preflightWorkflow(api, info)).toEqual([]);
  });

  it('follows reroutes and bypassed nodes, copies primitive values, drops notes and muted nodes', () => {
    const api = uiToApi(uiFixture('sd15-txt2img-extras.ui.json'), info);
    expect(Object.keys(api).sort()).toEqual(['3', '4', '5', '6', '7', '8', '9']);
    expect(api['8']!.inputs.vae).toEqual(['4', 2]); // through the Reroute
    expect(api['3']!.inputs.model).toEqual(['4', 0]); // through the bypassed LoraLoader
    expect(api['3']!.inputs.steps).toBe(12); // from the PrimitiveNode, not the stale widget value
    expect(preflightWorkflow(api, info)).toEqual([]);
  });

  it('rejects a subgraph with the export-API hint', () => {
    let caught: unknown;
    try {
      uiToApi(uiFixture('subgraph.ui.json'), info);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UiConversionError);
    const e = caught as UiConversionError;
    expect(e.code).toBe('COMFYLOAD_ERR_WORKFLOW_UI_FORMAT');
    expect(e.details).toEqual([expect.stringContaining('node 3 is a subgraph (Sampler block)')]);
    expect(e.hint).toContain('Export (API)');
  });

  it('rejects classes the server lacks and nodes with too few widget values, listing each', () => {
    const ui = uiFixture('sd15-txt2img.ui.json') as { nodes: { id: number; type: string; widgets_values?: unknown[] }[] };
    ui.nodes.find((n) => n.id === 4)!.type = 'CheckpointLoaderPlus';
    ui.nodes.find((n) => n.id === 5)!.widgets_values = [512];
    expect(() => uiToApi(ui, info)).toThrow(UiConversionError);
    try {
      uiToApi(ui, info);
    } catch (err) {
      expect((err as UiConversionError).details).toEqual([
        expect.stringContaining('node 4 (Load Checkpoint): class "CheckpointLoaderPlus" is not on the server'),
        expect.stringContaining('node 5 (EmptyLatentImage): 1 widget values for 3 widget inputs'),
      ]);
    }
  });

  it('takes widget values saved as an object by name', () => {
    const ui = uiFixture('sd15-txt2img.ui.json') as { nodes: { id: number; widgets_values?: unknown }[] };
    ui.nodes.find((n) => n.id === 5)!.widgets_values = { batch_size: 2, height: 768, width: 640 };
    expect(uiToApi(ui, info)['5']!.inputs).toEqual({ width: 640, height: 768, batch_size: 2 });
  });
});
