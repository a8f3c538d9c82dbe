import { describe, expect, it } from 'vitest';
import { preflightWorkflow } from '../../src/comfy/preflight.js';
import { convertUiWorkflow, isUiWorkflow, UiConversionError, uiToApi } from '../../src/comfy/ui-to-api.js';
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

  it('rejects classes the server lacks, listing each node', () => {
    const ui = uiFixture('sd15-txt2img.ui.json') as { nodes: { id: number; type: string }[] };
    ui.nodes.find((n) => n.id === 4)!.type = 'CheckpointLoaderPlus';
    ui.nodes.find((n) => n.id === 5)!.type = 'EmptyLatentImagePlus';
    let caught: unknown;
    try {
      uiToApi(ui, info);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UiConversionError);
    expect((caught as UiConversionError).details).toEqual([
      expect.stringContaining('node 4 (Load Checkpoint): class "CheckpointLoaderPlus" is not on the server'),
      expect.stringContaining('node 5 (EmptyLatentImagePlus): class "EmptyLatentImagePlus" is not on the server'),
    ]);
  });

  it("gives widgets without a saved value the server's default, with one note per node, as the editor does silently", () => {
    const ui = uiFixture('sd15-txt2img.ui.json') as { nodes: { id: number; widgets_values?: unknown[] }[] };
    ui.nodes.find((n) => n.id === 5)!.widgets_values = [640];
    delete ui.nodes.find((n) => n.id === 9)!.widgets_values;
    const { workflow, notes } = convertUiWorkflow(ui, info);
    expect(workflow['5']!.inputs).toEqual({ width: 640, height: 512, batch_size: 1 });
    expect(workflow['9']!.inputs.filename_prefix).toBe('ComfyUI');
    expect(notes).toEqual([
      "node 5 (EmptyLatentImage): 1 widget value saved for 3 widgets; took the server's defaults: height=512, batch_size=1",
      'node 9 (SaveImage): no widget values saved; took the server\'s defaults: filename_prefix="ComfyUI"',
    ]);
  });

  it('takes widget values saved as an object by name', () => {
    const ui = uiFixture('sd15-txt2img.ui.json') as { nodes: { id: number; widgets_values?: unknown }[] };
    ui.nodes.find((n) => n.id === 5)!.widgets_values = { batch_size: 2, height: 768, width: 640 };
    expect(uiToApi(ui, info)['5']!.inputs).toEqual({ width: 640, height: 768, batch_size: 2 });
  });
});

describe('links resolved as the editor resolves them', () => {
  type UiGraph = { nodes: { id: number; type: string; mode?: number; widgets_values?: unknown[] }[]; links: unknown[] };
  const extras = (): UiGraph => uiFixture('sd15-txt2img-extras.ui.json') as UiGraph;

  it('drops inputs linked to a muted node, as the editor does', () => {
    const ui = extras();
    ui.nodes.find((n) => n.id === 8)!.mode = 2;
    const api = uiToApi(ui, info);
    expect(api['8']).toBeUndefined();
    expect(api['9']!.inputs).toEqual({ filename_prefix: 'ComfyUI' });
  });

  it('a bypassed node passes the input of the same index when its type fits, not the first of that type', () => {
    const image = (id: number, file: string, link: number) => ({
      id,
      type: 'LoadImage',
      outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [link] }],
      widgets_values: [file, 'image'],
    });
    const ui = {
      nodes: [
        image(1, 'example.png', 1),
        image(2, 'mask.png', 2),
        {
          id: 3,
          type: 'ImageSwap',
          mode: 4,
          inputs: [
            { name: 'first', type: 'IMAGE', link: 1 },
            { name: 'second', type: 'IMAGE', link: 2 },
          ],
          outputs: [
            { name: 'A', type: 'IMAGE', links: [] },
            { name: 'B', type: 'IMAGE', links: [3] },
          ],
        },
        { id: 4, type: 'SaveImage', inputs: [{ name: 'images', type: 'IMAGE', link: 3 }], widgets_values: ['swap'] },
      ],
      links: [
        [1, 1, 0, 3, 0, 'IMAGE'],
        [2, 2, 0, 3, 1, 'IMAGE'],
        [3, 3, 1, 4, 0, 'IMAGE'],
      ],
    };
    expect(uiToApi(ui, info)['4']!.inputs).toEqual({ filename_prefix: 'swap', images: ['2', 0] });
  });

  it('resolves dynamic prompts of dynamicPrompts inputs once, and says so', () => {
    const ui = extras();
    ui.nodes.find((n) => n.id === 6)!.widgets_values = ['a {red|blue} fox /* style */at dusk // unused'];
    const { workflow, notes } = convertUiWorkflow(ui, info, { random: () => 0.99 });
    expect(workflow['6']!.inputs.text).toBe('a blue fox at dusk ');
    expect(notes).toEqual([expect.stringMatching(/^node 6 \(Positive\): text is a dynamic prompt: .*"a blue fox at dusk "$/)]);
  });

  it('a Primitive* class the server has is a node of the graph; one it lacks is folded into the widget', () => {
    const ui = {
      nodes: [
        { id: 1, type: 'PrimitiveInt', outputs: [{ name: 'INT', type: 'INT', links: [1] }], widgets_values: [640, 'fixed'] },
        { id: 5, type: 'EmptyLatentImage', inputs: [{ name: 'width', type: 'INT', link: 1, widget: { name: 'width' } }], widgets_values: [512, 512, 1] },
      ],
      links: [[1, 1, 0, 5, 0, 'INT']],
    };
    expect(uiToApi(ui, info)['5']!.inputs.width).toBe(640);
    const primitiveInt = {
      ...info.EmptyLatentImage!,
      name: 'PrimitiveInt',
      display_name: 'Int',
      input: { required: { value: ['INT', { min: 0, max: 100000, control_after_generate: true }] } },
      input_order: { required: ['value'] },
      output: ['INT'],
    } as (typeof info)[string];
    const withPrimitives = { ...info, PrimitiveInt: primitiveInt };
    const api = uiToApi(ui, withPrimitives);
    expect(api['1']).toEqual({ class_type: 'PrimitiveInt', inputs: { value: 640 }, _meta: { title: 'Int' } });
    expect(api['5']!.inputs.width).toEqual(['1', 0]);
  });
});
