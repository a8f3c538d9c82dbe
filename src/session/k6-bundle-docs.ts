/**
 * The texts of a `comfyload k6 bundle` folder: a k6-operator TestRun manifest (four runners, each
 * writing its `--out json` to a volume of its own) and the README that says how to run, collect
 * and merge.
 */
import type { K6Plan } from '../metrics/k6-wire.js';

/** A Kubernetes name from the run name. */
function k8sName(name: string): string {
  return `comfyload-${name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')}`.slice(0, 50);
}

/**
 * k6-operator's TestRun: `parallelism: 4` gives each runner `--execution-segment i/4:(i+1)/4`. The
 * script and plan.json come from one ConfigMap (mounted together); each runner writes its output
 * to its own sub-folder of one volume (subPathExpr = the pod's name), so no two files collide.
 */
export function testRunManifest(runName: string): string {
  const name = k8sName(runName);
  return `# k6-operator TestRun for comfyload's scenario (https://github.com/grafana/k6-operator).
# 1. kubectl create configmap ${name} --from-file=script.js --from-file=plan.json
# 2. a PersistentVolumeClaim named ${name}-results (ReadWriteMany), and, for a server behind
#    auth, a Secret: kubectl create secret generic ${name}-headers --from-literal=headers='{"Authorization":"Bearer …"}'
# 3. kubectl apply -f testrun.yaml ; each runner writes <pod name>/out.json.gz on the volume
# 4. copy the volume's files out, then: comfyload import-k6 <pod>/out.json.gz --out r<i>/ (each),
#    comfyload merge r1/ r2/ r3/ r4/ --out merged/
apiVersion: k6.io/v1alpha1
kind: TestRun
metadata:
  name: ${name}
spec:
  parallelism: 4
  script:
    configMap:
      name: ${name}
      file: script.js
  arguments: --out json=/results/out.json.gz
  runner:
    image: grafana/k6:latest
    env:
      - name: POD_NAME
        valueFrom:
          fieldRef:
            fieldPath: metadata.name
      - name: COMFYLOAD_HEADERS
        valueFrom:
          secretKeyRef:
            name: ${name}-headers
            key: headers
            optional: true
    volumes:
      - name: results
        persistentVolumeClaim:
          claimName: ${name}-results
    volumeMounts:
      - name: results
        mountPath: /results
        subPathExpr: $(POD_NAME)
`;
}

export function bundleReadme(o: { name: string; script: string; forVersion: string; plan: K6Plan }): string {
  const levels = o.plan.scenarios.map((s) => `${s.name} (${s.executor}, from ${(s.startTimeMs / 1000).toFixed(1)} s)`).join(', ');
  return `# comfyload k6 bundle: ${o.name}

Prepared by comfyload against ${o.plan.url} (preflight done: the graph in workflow.json is what
every prompt sends, with its own seed). Built for k6 ${o.forVersion}. Scenarios: ${levels}.
Levels were sized for a ${o.plan.expectedCompletionMs.toFixed(0)} ms completion (${o.plan.sizing}).

## Run on one machine

    k6 run --out json=out.json script.js
    comfyload import-k6 out.json --out results/${o.name}

## Run on several machines (each its own share of the plan)

    k6 run --execution-segment 0:1/2 --out json=a.json.gz script.js      # machine 1
    k6 run --execution-segment 1/2:1 --out json=b.json.gz script.js      # machine 2
    comfyload import-k6 a.json.gz --out a/ && comfyload import-k6 b.json.gz --out b/
    comfyload merge a/ b/ --out merged/

Start the runners together: every level starts at a fixed time after the test's start.

## Run on Kubernetes with k6-operator

See testrun.yaml (parallelism: 4): each runner writes its own out.json.gz; import each and merge.

## Secrets

plan.json holds no credentials. For a server behind auth set
COMFYLOAD_HEADERS='{"Authorization":"Bearer …"}' in k6's environment.
`;
}
