/**
 * WGAN objectives and Lipschitz penalties, each with its formula and paper.
 * Conventions: f is the critic; both players *minimise* the returned losses.
 */
import * as tf from '@tensorflow/tfjs';
import type { Network } from './models/params';

/**
 * Wasserstein critic loss (Arjovsky et al. 2017, eq. 3 via Kantorovich-Rubinstein duality):
 * minimise E[f(G(z))] - E[f(x)], so that E[f(x)] - E[f(G(z))] estimates W1 when f is 1-Lipschitz.
 */
export function wassersteinCriticLoss(fReal: tf.Tensor, fFake: tf.Tensor): tf.Scalar {
  return tf.sub(tf.mean(fFake), tf.mean(fReal)) as tf.Scalar;
}

/**
 * Hinge critic loss as in labml's WGAN module: E[relu(1 - f(x))] + E[relu(1 + f(G(z)))].
 * Departure: this is the hinge loss of geometric GAN / SN-GAN (Lim & Ye 2017; Miyato et al. 2018),
 * not the Wasserstein loss, although labml files it under "Wasserstein GAN".
 */
export function hingeCriticLoss(fReal: tf.Tensor, fFake: tf.Tensor): tf.Scalar {
  return tf.add(tf.mean(tf.relu(tf.sub(1, fReal))), tf.mean(tf.relu(tf.add(1, fFake)))) as tf.Scalar;
}

/** Generator loss for both critic losses (Arjovsky et al. 2017, Algorithm 1 line 10): -E[f(G(z))]. */
export function generatorLoss(fFake: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(fFake)) as tf.Scalar;
}

/**
 * Random interpolates x_hat = eps * x + (1 - eps) * G(z), eps ~ U[0, 1] per sample
 * (Gulrajani et al. 2017, Algorithm 1 lines 6-8). `eps` has shape [B, 1, ...] broadcasting over x.
 */
export function interpolates(real: tf.Tensor, fake: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake));
}

/**
 * Per-sample gradient norms ||grad_x f(x)||_2, shape [B]. Differentiable: the gradient is taken with
 * tf.grad on the active tape, so a penalty built on it yields true second-order gradients.
 * Departure: 1e-12 is added under the square root so the norm's own gradient stays finite at 0.
 */
export function inputGradientNorms(critic: Network, x: tf.Tensor): tf.Tensor1D {
  const g = tf.grad((xi: tf.Tensor) => tf.sum(critic.apply(xi)))(x);
  const axes = Array.from({ length: g.rank - 1 }, (_, i) => i + 1);
  return tf.sqrt(tf.add(tf.sum(tf.square(g), axes), 1e-12)) as tf.Tensor1D;
}

/** Gradient penalty (Gulrajani et al. 2017, eq. 3): lambda * E_x_hat[(||grad f(x_hat)||_2 - 1)^2]. */
export function gradientPenalty(norms: tf.Tensor1D, lambda: number): tf.Scalar {
  return tf.mul(lambda, tf.mean(tf.square(tf.sub(norms, 1)))) as tf.Scalar;
}

/**
 * One-sided Lipschitz penalty (Petzka, Fischer & Lukovnikov 2018, "On the regularization of Wasserstein
 * GANs", eq. 8): lambda * E_x_hat[max(0, ||grad f(x_hat)||_2 - 1)^2]; max(0, .) written as relu.
 */
export function lipschitzPenalty(norms: tf.Tensor1D, lambda: number): tf.Scalar {
  return tf.mul(lambda, tf.mean(tf.square(tf.relu(tf.sub(norms, 1))))) as tf.Scalar;
}
