// Output shapes of the nested schema types, named as in @pulumiverse/talos
// v0.8.1 `types/output.ts`. Secret-marked leaves make the provider return the
// enclosing top-level output as a secret.

export namespace client {
    export interface GetConfigurationClientConfiguration {
        caCertificate: string;
        clientCertificate: string;
        /** secret */
        clientKey: string;
    }
}

export namespace cluster {
    export interface GetHealthClientConfiguration {
        caCertificate: string;
        clientCertificate: string;
        /** secret */
        clientKey: string;
    }

    export interface GetHealthTimeouts {
        read?: string;
    }

    export interface KubeconfigClientConfiguration {
        caCertificate: string;
        clientCertificate: string;
        /** secret */
        clientKey: string;
    }

    /** Certificates and key are base64-encoded PEM. */
    export interface KubeconfigKubernetesClientConfiguration {
        caCertificate: string;
        clientCertificate: string;
        /** secret */
        clientKey: string;
        host: string;
    }

    export interface KubeconfigTimeouts {
        create?: string;
        update?: string;
    }
}

// Upstream spells this namespace after the token module (`imageFactory`), not
// after the `imagefactory` export folder.
export namespace imageFactory {
    /** An asset the factory does not offer for the platform comes back as "". */
    export interface GetUrlsUrls {
        diskImage: string;
        diskImageSecureboot: string;
        initramfs: string;
        installer: string;
        installerSecureboot: string;
        iso: string;
        isoSecureboot: string;
        kernel: string;
        kernelCommandLine: string;
        pxe: string;
        uki: string;
    }
}

export namespace machine {
    /** Every field is secret. */
    export interface BootstrapClientConfigurationWo {
        caCertificate: string;
        clientCertificate: string;
        clientKey: string;
    }

    export interface BootstrapTimeouts {
        create?: string;
    }

    export interface Certificate {
        cert: string;
        /** secret */
        key: string;
    }

    export interface Certificates {
        etcd: Certificate;
        k8s: Certificate;
        k8sAggregator: Certificate;
        k8sServiceaccount: Key;
        os: Certificate;
    }

    export interface ClientConfiguration {
        caCertificate: string;
        clientCertificate: string;
        /** secret */
        clientKey: string;
    }

    export interface Cluster {
        id: string;
        /** secret */
        secret: string;
    }

    /** Every field is secret. */
    export interface ConfigurationApplyClientConfigurationWo {
        caCertificate: string;
        clientCertificate: string;
        clientKey: string;
    }

    export interface ConfigurationApplyOnDestroy {
        graceful: boolean;
        reboot: boolean;
        reset: boolean;
    }

    export interface Key {
        /** secret */
        key: string;
    }

    /** Every field is secret. */
    export interface KubernetesSecrets {
        aescbcEncryptionSecret?: string;
        bootstrapToken: string;
        secretboxEncryptionSecret: string;
    }

    export interface MachineSecrets {
        certs: Certificates;
        cluster: Cluster;
        secrets: KubernetesSecrets;
        trustdinfo: TrustdInfo;
    }

    export interface Timeout {
        create?: string;
        delete?: string;
        update?: string;
    }

    export interface TrustdInfo {
        /** secret */
        token: string;
    }
}
