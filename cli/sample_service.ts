/** The service `swarm up` starts on a new cluster, so a first-time user sees work happen. */
import { create } from "@bufbuild/protobuf";
import { type ServiceSpec, ServiceSpecSchema } from "../proto/gen/swarm/v1/specs_pb.ts";

export const SAMPLE_SERVICE = "hello";

export function sampleServiceSpec(): ServiceSpec {
  return create(ServiceSpecSchema, {
    annotations: { name: SAMPLE_SERVICE, labels: { "swarm.sample": "true" } },
    mode: { case: "replicated", value: { replicas: 3 } },
    task: {
      runtime: {
        case: "process",
        value: {
          command: "sh",
          args: [
            "-c",
            'while true; do echo "hello from task $SWARM_TASK_ID at $(date)"; sleep 5; done',
          ],
        },
      },
    },
  });
}
