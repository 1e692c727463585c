/**
 * Helm values as plain YAML data: the one type the bootstrap releases, the Flux valuesFrom
 * Secrets and the ClusterMesh values share. Pure: no Pulumi import.
 */
export type Values = { [key: string]: unknown };
