// Input shapes of the nested schema types, named as in @pulumiverse/talos v0.8.1
// `types/input.ts`. Plain interfaces feed Promise-form invokes; `...Args` twins
// (every field a pulumi.Input) feed Output-form invokes. Resource-only types
// have no twin and already take Inputs. Fields whose schema marks them secret
// are noted; the provider returns them as secrets.
import * as pulumi from "@pulumi/pulumi";

export namespace client {
    export interface GetConfigurationClientConfiguration {
        caCertificate: string;
        clientCertificate: string;
        /** secret */
        clientKey: string;
    }

    export interface GetConfigurationClientConfigurationArgs {
        caCertificate: pulumi.Input<string>;
        clientCertificate: pulumi.Input<string>;
        /** secret */
        clientKey: pulumi.Input<string>;
    }
}

export namespace cluster {
    export interface GetHealthClientConfiguration {
        caCertificate: string;
        clientCertificate: string;
        /** secret */
        clientKey: string;
    }

    export interface GetHealthClientConfigurationArgs {
        caCertificate: pulumi.Input<string>;
        clientCertificate: pulumi.Input<string>;
        /** secret */
        clientKey: pulumi.Input<string>;
    }

    export interface GetHealthTimeouts {
        read?: string;
    }

    export interface GetHealthTimeoutsArgs {
        read?: pulumi.Input<string | undefined>;
    }

    export interface KubeconfigClientConfiguration {
        caCertificate: pulumi.Input<string>;
        clientCertificate: pulumi.Input<string>;
        /** secret */
        clientKey: pulumi.Input<string>;
    }

    /** Only used in `KubeconfigState`; certificates and key are base64 PEM. */
    export interface KubeconfigKubernetesClientConfiguration {
        caCertificate?: pulumi.Input<string | undefined>;
        clientCertificate?: pulumi.Input<string | undefined>;
        /** secret */
        clientKey?: pulumi.Input<string | undefined>;
        host?: pulumi.Input<string | undefined>;
    }

    export interface KubeconfigTimeouts {
        create?: pulumi.Input<string | undefined>;
        update?: pulumi.Input<string | undefined>;
    }
}

export namespace machine {
    /** Write-only variant; every field is secret. */
    export interface BootstrapClientConfigurationWo {
        caCertificate: pulumi.Input<string>;
        clientCertificate: pulumi.Input<string>;
        clientKey: pulumi.Input<string>;
    }

    export interface BootstrapTimeouts {
        create?: pulumi.Input<string | undefined>;
    }

    export interface Certificate {
        cert: string;
        /** secret */
        key: string;
    }

    export interface CertificateArgs {
        cert: pulumi.Input<string>;
        /** secret */
        key: pulumi.Input<string>;
    }

    export interface Certificates {
        etcd: Certificate;
        k8s: Certificate;
        k8sAggregator: Certificate;
        k8sServiceaccount: Key;
        os: Certificate;
    }

    export interface CertificatesArgs {
        etcd: pulumi.Input<CertificateArgs>;
        k8s: pulumi.Input<CertificateArgs>;
        k8sAggregator: pulumi.Input<CertificateArgs>;
        k8sServiceaccount: pulumi.Input<KeyArgs>;
        os: pulumi.Input<CertificateArgs>;
    }

    /** Talos API client credentials; values are base64 PEM. */
    export interface ClientConfiguration {
        caCertificate: pulumi.Input<string>;
        clientCertificate: pulumi.Input<string>;
        /** secret */
        clientKey: pulumi.Input<string>;
    }

    export interface Cluster {
        id: string;
        /** secret */
        secret: string;
    }

    export interface ClusterArgs {
        id: pulumi.Input<string>;
        /** secret */
        secret: pulumi.Input<string>;
    }

    /** Write-only variant; every field is secret. */
    export interface ConfigurationApplyClientConfigurationWo {
        caCertificate: pulumi.Input<string>;
        clientCertificate: pulumi.Input<string>;
        clientKey: pulumi.Input<string>;
    }

    /** Provider defaults: graceful true, reboot false, reset false. */
    export interface ConfigurationApplyOnDestroy {
        graceful?: pulumi.Input<boolean | undefined>;
        reboot?: pulumi.Input<boolean | undefined>;
        reset?: pulumi.Input<boolean | undefined>;
    }

    export interface Key {
        /** secret */
        key: string;
    }

    export interface KeyArgs {
        /** secret */
        key: pulumi.Input<string>;
    }

    /** Every field is secret. */
    export interface KubernetesSecrets {
        aescbcEncryptionSecret?: string;
        bootstrapToken: string;
        secretboxEncryptionSecret: string;
    }

    /** Every field is secret. */
    export interface KubernetesSecretsArgs {
        aescbcEncryptionSecret?: pulumi.Input<string | undefined>;
        bootstrapToken: pulumi.Input<string>;
        secretboxEncryptionSecret: pulumi.Input<string>;
    }

    export interface MachineSecrets {
        certs: Certificates;
        cluster: Cluster;
        secrets: KubernetesSecrets;
        trustdinfo: TrustdInfo;
    }

    export interface MachineSecretsArgs {
        certs: pulumi.Input<CertificatesArgs>;
        cluster: pulumi.Input<ClusterArgs>;
        secrets: pulumi.Input<KubernetesSecretsArgs>;
        trustdinfo: pulumi.Input<TrustdInfoArgs>;
    }

    /** Durations such as "10m" (the provider default for each). */
    export interface Timeout {
        create?: pulumi.Input<string | undefined>;
        delete?: pulumi.Input<string | undefined>;
        update?: pulumi.Input<string | undefined>;
    }

    export interface TrustdInfo {
        /** secret */
        token: string;
    }

    export interface TrustdInfoArgs {
        /** secret */
        token: pulumi.Input<string>;
    }
}
