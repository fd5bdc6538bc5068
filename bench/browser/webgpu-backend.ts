/**
 * Stand-in for tfjs-backend-webgpu, which is not a dependency of the project. When the package can be
 * found (installed in the repository, or in the folder given by --webgpu-from / WGAN_WEBGPU_FROM),
 * bench/browser.ts bundles a module in this one's place that imports it and names its version.
 */
export const webgpuPackage: string | undefined = undefined;
