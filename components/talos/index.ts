export { BOOTSTRAP_IMPORT_ID, nodePatches, TalosCluster } from "./cluster";
export type { TalosClusterArgs, TalosNode } from "./cluster";
export { PKI_FIELDS } from "./pki";
export type { ClientConfiguration, PkiField, PkiFields } from "./pki";
