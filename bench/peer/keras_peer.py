"""Keras 3 peer for the vaekit benchmark: the seeds' own models and training steps, on
TensorFlow or on JAX.

    bench/.venv/bin/python bench/peer/keras_peer.py --backend tensorflow|jax --preset NAME
        --data images.npy [--threads 2] [--batch 128]
        -> the stdin protocol of peer_common.py ("run K" answers K timed steps)
    ... --epoch --data train60k.npy
        -> one `fit` epoch over all the images; prints {"epoch_s": ..., "fit_s": ..., ...}

What runs is what the seeds (/work/shared/seeds, SPEC.md section 1) write, in Keras 3:
  - lecture-conv (lecture-2026) and keras-conv2d (keras.io, in the notebook seed): a `VAE(Model)`
    with three `Mean` trackers and the seed's custom `train_step`. On TensorFlow that is the
    seed's `tf.GradientTape` step as written; JAX cannot run a tape, so there it is the same
    step in Keras 3's stateless JAX form (`jax.value_and_grad` over `stateless_call`, then
    `optimizer.stateless_apply`), from Keras's "customizing fit() with JAX" guide. The loss
    expressions are shared by both. The lecture's loss is a vector (scalar r_loss + per-image
    kl_loss); the tape differentiates its sum, so the JAX step differentiates ops.sum of it too.
  - geron-dense (Hands-On ML ch. 17) and medium-dense (the article): functional models trained
    by Keras's own `train_step`, `compile(loss="mse", optimizer="nadam")` and
    `compile(optimizer="adam")`. The seeds call `model.add_loss(symbolic tensor)`, which Keras 3
    no longer accepts on functional models; its Keras 3 form is a pass-through layer that calls
    `self.add_loss` (AddLoss below), which Keras adds to the compiled loss exactly as before.
  - Sampling: the seeds draw eps with `tf.random.normal` or an unseeded `keras.random.normal`;
    JAX cannot trace an unseeded draw, so every preset samples from a `keras.random.SeedGenerator`
    (the keras.io example's idiom). Same arithmetic, same cost.

Timing: compiled `fit` (jit_compile="auto", Keras's default: an XLA-compiled step on JAX; on
TensorFlow with no GPU Keras resolves "auto" to a tf.function graph without XLA) on an
in-memory copy of the one benchmark batch repeated K times, shuffle off; a callback times each
batch from on_train_batch_begin to on_train_batch_end and reads the loss there, which waits for
JAX's asynchronous dispatch to finish the step. fit's per-call set-up (data adapter, iterator)
falls outside the per-batch times, as it would across the batches of a real epoch.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_common import PRESET_NAMES, emit, limit_threads, load_images, serve  # noqa: E402

p = argparse.ArgumentParser(description="Keras 3 training-step peer for the vaekit benchmark")
p.add_argument("--backend", choices=["tensorflow", "jax"], required=True)
p.add_argument("--preset", choices=PRESET_NAMES, required=True)
p.add_argument("--data", required=True, help="float32 (N, 784) .npy of MNIST images in [0, 1]")
p.add_argument("--batch", type=int, default=128)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--epoch", action="store_true", help="time one fit epoch over all of --data, then exit")
p.add_argument("--steps-per-execution", type=int, default=1,
               help="Keras' steps_per_execution (default 1, Keras's own): steps per call of the compiled step")
ARGS = p.parse_args()

CPUS = limit_threads(ARGS.threads)
os.environ["KERAS_BACKEND"] = ARGS.backend

import numpy as np  # noqa: E402

if ARGS.backend == "tensorflow":
    import tensorflow as tf  # noqa: E402

    # Both of TF's pools, before TF runs anything (they cannot change afterwards).
    tf.config.threading.set_intra_op_parallelism_threads(ARGS.threads)
    tf.config.threading.set_inter_op_parallelism_threads(ARGS.threads)
else:
    import jax  # noqa: E402

import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

keras.utils.set_random_seed(0)


# ---- layers the seeds share ------------------------------------------------------------------

class Sampling(layers.Layer):
    """z = z_mean + exp(0.5 * z_log_var) * eps, eps ~ N(0, I)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * eps


class AddLoss(layers.Layer):
    """Keras 3's form of `model.add_loss(expression)`: passes inputs[0] through and adds
    fn(*inputs) to the model's losses."""

    def __init__(self, fn, **kwargs):
        super().__init__(**kwargs)
        self.fn = fn

    def call(self, inputs):
        self.add_loss(self.fn(*inputs))
        return inputs[0]


def kl_terms(z_mean, z_log_var):
    return 1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)


# ---- lecture-conv and keras-conv2d: a VAE class with the seed's custom train_step ------------

def lecture_objective(x, z_mean, z_log_var, reconstruction):
    """lecture-2026: r_loss a scalar, kl_loss per image; tot_loss = r_loss + kl_loss."""
    r_loss = 784 * ops.mean(ops.square(x - reconstruction))
    kl_loss = -0.5 * ops.sum(kl_terms(z_mean, z_log_var), axis=-1)
    return r_loss + kl_loss, r_loss, kl_loss


def keras_io_objective(x, z_mean, z_log_var, reconstruction):
    """keras.io VAE: BCE summed over the image, KL summed over the latent, both batch means."""
    reconstruction_loss = ops.mean(ops.sum(keras.losses.binary_crossentropy(x, reconstruction), axis=(1, 2)))
    kl_loss = ops.mean(ops.sum(-0.5 * kl_terms(z_mean, z_log_var), axis=1))
    return reconstruction_loss + kl_loss, reconstruction_loss, kl_loss


def unpack(data):
    # fit(x) hands train_step a 1-tuple on some code paths and the bare tensor on others.
    return data[0] if isinstance(data, (tuple, list)) else data


class VAE(keras.Model):
    """The seeds' VAE model: encoder, decoder, three loss trackers, a custom train_step."""

    def __init__(self, encoder, decoder, objective, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.objective = objective
        self.trackers = [keras.metrics.Mean(name=n) for n in ("total_loss", "r_loss", "kl_loss")]

    @property
    def metrics(self):
        return self.trackers

    def call(self, x, training=None):
        z_mean, z_log_var, z = self.encoder(x, training=training)
        return z_mean, z_log_var, self.decoder(z)

    if ARGS.backend == "tensorflow":

        def train_step(self, data):
            # The seeds' step, as written.
            x = unpack(data)
            with tf.GradientTape() as tape:
                z_mean, z_log_var, z = self.encoder(x)
                losses = self.objective(x, z_mean, z_log_var, self.decoder(z))
            grads = tape.gradient(losses[0], self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            for tracker, value in zip(self.trackers, losses):
                tracker.update_state(value)
            return {t.name: t.result() for t in self.trackers}

    else:

        def compute_loss_and_updates(self, trainable_variables, non_trainable_variables, x):
            (z_mean, z_log_var, reconstruction), non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=True)
            losses = self.objective(x, z_mean, z_log_var, reconstruction)
            # tape.gradient of a non-scalar differentiates its sum; value_and_grad needs the sum.
            return ops.sum(losses[0]), (losses, non_trainable_variables)

        def train_step(self, state, data):
            # The same step, in Keras 3's stateless JAX form.
            trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables = state
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (_, (losses, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, unpack(data))
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables)
            new_metrics_variables, logs = [], {}
            for tracker, value in zip(self.trackers, losses):
                n = len(new_metrics_variables)
                v = tracker.stateless_update_state(metrics_variables[n:n + len(tracker.variables)], value)
                logs[tracker.name] = tracker.stateless_result(v)
                new_metrics_variables += v
            return logs, (trainable_variables, non_trainable_variables, optimizer_variables, new_metrics_variables)


def lecture_conv():
    """lecture-2026-scinet-vae.txt: mnist_vae.py."""
    latent_dim = 100
    input_img = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(16, kernel_size=(3, 3), activation="relu", padding="same")(input_img)
    x = layers.MaxPooling2D(pool_size=(2, 2), strides=2)(x)
    x = layers.Conv2D(32, kernel_size=(3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D(pool_size=(2, 2), strides=2)(x)
    x = layers.Flatten()(x)
    z_mean = layers.Dense(latent_dim, activation="linear")(x)
    z_log_var = layers.Dense(latent_dim, activation="linear")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(inputs=input_img, outputs=[z_mean, z_log_var, z])

    decoder_input = keras.Input(shape=(latent_dim,))
    x = layers.Dense(7 * 7 * 32, activation="relu")(decoder_input)
    x = layers.Reshape((7, 7, 32))(x)
    x = layers.Conv2DTranspose(32, kernel_size=(3, 3), activation="relu", padding="same")(x)
    x = layers.UpSampling2D(size=(2, 2))(x)
    x = layers.Conv2DTranspose(16, kernel_size=(3, 3), activation="relu", padding="same")(x)
    x = layers.UpSampling2D(size=(2, 2))(x)
    decoded = layers.Conv2DTranspose(1, kernel_size=(3, 3), activation="sigmoid", padding="same")(x)
    decoder = keras.Model(inputs=decoder_input, outputs=decoded)

    vae = VAE(encoder, decoder, lecture_objective)
    vae.compile(optimizer="adam")
    return vae, [encoder, decoder], (28, 28, 1), False


def keras_conv2d():
    """keras.io 'Variational AutoEncoder' (the notebook seed)."""
    latent_dim = 2
    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(7 * 7 * 64, activation="relu")(latent_inputs)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

    vae = VAE(encoder, decoder, keras_io_objective)
    vae.compile(optimizer=keras.optimizers.Adam())
    return vae, [encoder, decoder], (28, 28, 1), False


def geron_dense():
    """book-chapter-geron-vae.txt (Hands-On ML, 3rd ed., ch. 17)."""
    codings_size = 10
    inputs = keras.Input(shape=[28, 28])
    z = layers.Flatten()(inputs)
    z = layers.Dense(150, activation="relu")(z)
    z = layers.Dense(100, activation="relu")(z)
    codings_mean = layers.Dense(codings_size)(z)  # mu
    codings_log_var = layers.Dense(codings_size)(z)  # gamma
    codings = Sampling()([codings_mean, codings_log_var])
    variational_encoder = keras.Model(inputs=[inputs], outputs=[codings_mean, codings_log_var, codings])

    decoder_inputs = keras.Input(shape=[codings_size])
    x = layers.Dense(100, activation="relu")(decoder_inputs)
    x = layers.Dense(150, activation="relu")(x)
    x = layers.Dense(28 * 28)(x)
    outputs = layers.Reshape([28, 28])(x)
    variational_decoder = keras.Model(inputs=[decoder_inputs], outputs=[outputs])

    codings_mean, codings_log_var, codings = variational_encoder(inputs)
    reconstructions = variational_decoder(codings)

    def latent_loss(reconstructions, codings_mean, codings_log_var):
        latent = -0.5 * ops.sum(1 + codings_log_var - ops.exp(codings_log_var) - ops.square(codings_mean), axis=-1)
        return ops.mean(latent) / 784.0

    reconstructions = AddLoss(latent_loss)([reconstructions, codings_mean, codings_log_var])
    variational_ae = keras.Model(inputs=[inputs], outputs=[reconstructions])
    variational_ae.compile(loss="mse", optimizer="nadam")
    return variational_ae, [variational_encoder, variational_decoder], (28, 28), True


def medium_dense():
    """article-medium-vae.txt."""
    latent_dim = 2
    encoder_inputs = layers.Input(shape=(784,))
    x = layers.Dense(256, activation="relu")(encoder_inputs)
    z_mean = layers.Dense(latent_dim)(x)
    z_log_var = layers.Dense(latent_dim)(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = layers.Input(shape=(latent_dim,))
    x = layers.Dense(256, activation="relu")(latent_inputs)
    decoder_outputs = layers.Dense(784, activation="sigmoid")(x)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

    z_mean, z_log_var, z = encoder(encoder_inputs)
    vae_outputs = decoder(z)

    def vae_loss(vae_outputs, encoder_inputs, z_mean, z_log_var):
        reconstruction_loss = keras.losses.mean_squared_error(encoder_inputs, vae_outputs)  # losses.mse
        reconstruction_loss *= 784  # Rescale due to input shape
        kl_loss = ops.mean(kl_terms(z_mean, z_log_var)) * -0.5
        return ops.mean(reconstruction_loss + kl_loss)

    vae_outputs = AddLoss(vae_loss)([vae_outputs, encoder_inputs, z_mean, z_log_var])
    vae = keras.Model(encoder_inputs, vae_outputs, name="vae")
    vae.compile(optimizer="adam")
    return vae, [encoder, decoder], (784,), True


BUILDERS = {"lecture-conv": lecture_conv, "keras-conv2d": keras_conv2d,
            "geron-dense": geron_dense, "medium-dense": medium_dense}


def macs_per_image(models):
    """Forward multiply-adds per image, read off the built Keras layers: Dense in·out, Conv2D
    k²·cin·cout at every output pixel, Conv2DTranspose k²·cin·cout at every input pixel (the same
    convention as bench/run.ts, so the two can be compared)."""
    macs = 0
    for m in models:
        for layer in m.layers:
            if isinstance(layer, layers.Dense):
                macs += int(np.prod(layer.kernel.shape))
            elif isinstance(layer, layers.Conv2DTranspose):
                h, w = layer.input.shape[1:3]
                macs += h * w * int(np.prod(layer.kernel.shape))
            elif isinstance(layer, layers.Conv2D):
                h, w = layer.output.shape[1:3]
                macs += h * w * int(np.prod(layer.kernel.shape))
    return macs


def thread_report():
    """What the framework says its limits are, read back after setting them."""
    r = {"cpu_affinity": CPUS}
    if ARGS.backend == "tensorflow":
        r["tf_intra_op"] = tf.config.threading.get_intra_op_parallelism_threads()
        r["tf_inter_op"] = tf.config.threading.get_inter_op_parallelism_threads()
    else:
        r["jax_devices"] = [str(d) for d in jax.devices()]
    r["xla_flags"] = os.environ.get("XLA_FLAGS", "")
    return r


def main():
    model, parts, shape, xy = BUILDERS[ARGS.preset]()
    # Read when fit first builds its train function (after compile, before any fit).
    model.steps_per_execution = ARGS.steps_per_execution
    images = load_images(ARGS.data).reshape((-1,) + shape)

    def fit(x, **kw):
        # geron-dense and medium-dense are fit(X, X) against a compiled loss; the others fit(X).
        return model.fit(x, x if xy else None, batch_size=ARGS.batch, epochs=1, verbose=0, **kw)

    if ARGS.epoch:
        class EpochTimer(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.t0 = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds = time.perf_counter() - self.t0
                self.logs = {k: float(v) for k, v in (logs or {}).items()}

        timer = EpochTimer()
        t0 = time.perf_counter()
        fit(images, callbacks=[timer])  # shuffle=True, Keras's default, as the seeds train
        emit({"epoch_s": timer.seconds, "fit_s": time.perf_counter() - t0, "images": len(images),
              "steps": -(-len(images) // ARGS.batch), "logs": timer.logs, "jit_compile": model.jit_compile,
              "threads": thread_report()})
        return

    batch = images[:ARGS.batch]

    class StepTimer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.t0 = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            # Reading the loss waits for the step to finish (JAX returns before it has).
            self.loss = float(next(iter(logs.values())))
            # With steps_per_execution N the callbacks come once per N steps: N steps at 1/N each.
            n = ARGS.steps_per_execution
            self.ms.extend([(time.perf_counter() - self.t0) * 1000.0 / n] * n)

    timer = StepTimer()

    def run(k):
        timer.ms = []
        fit(np.concatenate([batch] * k), shuffle=False, callbacks=[timer])
        return timer.ms, timer.loss

    fw = keras.backend.backend()
    version = tf.__version__ if fw == "tensorflow" else jax.__version__
    serve({"framework": f"keras-{'tf' if fw == 'tensorflow' else 'jax'}", "version": f"keras {keras.__version__} / {fw} {version}",
           "params": sum(m.count_params() for m in parts), "macs_per_image": macs_per_image(parts), "threads": thread_report(),
           "jit_compile": model.jit_compile, "steps_per_execution": ARGS.steps_per_execution}, run)


if __name__ == "__main__":
    main()
