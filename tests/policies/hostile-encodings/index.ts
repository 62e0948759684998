// Manifests written in the encodings an attacker (or an unusual tool) may use. `hostileEncodings`
// are written out, each with what kubectl makes of it: tests/policies/yaml-decoding.test.ts holds
// the runner's reader to these objects and refusals, and tests/cluster/decode-differential.test.ts
// holds kubectl to them, so they are kubectl's behaviour, not the runner's opinion.
// `compliantWorkloads` and `insecureWorkloads` are generated (fast-check): the pack's fixtures
// spelled every way (tests/policies/properties.test.ts judges them; the differential compares a
// sample with kubectl).
// One concept a file: ./written (the hand-written cases), ./spellings (the generated spellings),
// ./workloads (the generated workloads and their insecure fields).
export { hostileEncodings, type Encoding } from "./written";
export {
  compliantWorkloads,
  insecureWorkloads,
  mutations,
  type Mutation,
  type SpelledWorkload,
} from "./workloads";
