import { execFileSync } from 'node:child_process';

/**
 * The Fashion-MNIST test set's gzipped IDX images and labels from Debian's dataset-fashion-mnist package,
 * or undefined when the package is not installed.
 */
export function fashionMnist(): { images: string; labels: string } | undefined {
  try {
    execFileSync('dpkg', ['-s', 'dataset-fashion-mnist'], { stdio: 'pipe' });
    const files = execFileSync('dpkg', ['-L', 'dataset-fashion-mnist'], { encoding: 'utf8', stdio: 'pipe' })
      .split('\n')
      .map((l) => l.trim());
    const images = files.find((f) => f.endsWith('/t10k-images-idx3-ubyte.gz'));
    const labels = files.find((f) => f.endsWith('/t10k-labels-idx1-ubyte.gz'));
    return images && labels ? { images, labels } : undefined;
  } catch {
    return undefined;
  }
}
