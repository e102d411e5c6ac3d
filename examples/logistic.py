"""Logistic regression trained by gradient descent, with the gradient from tangent_like.

The model predicts P(y = 1 | x) = sigmoid(x . w).  Its mean log-loss over the data set is

    L(w) = mean( log(1 + exp(z)) - y * z ),    z = X @ w

which is -[y log p + (1 - y) log(1 - p)] with p = sigmoid(z), rearranged.
`tl.value_and_grad` returns the loss and its gradient with respect to w in one call.

Run it with::

    python examples/logistic.py
"""
import numpy as np

import tangent_like as tl


def loss(w, X, y):
    """Mean log-loss of logistic regression with weights w on inputs X and 0/1 labels y."""
    z = X @ w
    return np.mean(np.log(1.0 + np.exp(z)) - y * z)


def make_data(n=200, rng=None):
    """A synthetic, noisy, linearly separable-ish problem with an intercept column."""
    rng = np.random.default_rng(0) if rng is None else rng
    features = rng.normal(size=(n, 2))
    X = np.column_stack([np.ones(n), features])  # column 0 is the intercept
    true_w = np.array([0.5, 2.0, -1.0])
    noise = rng.logistic(size=n)  # logistic noise: the model is exactly right
    y = (X @ true_w + noise > 0).astype(float)
    return X, y, true_w


def accuracy(w, X, y):
    return np.mean((X @ w > 0) == (y > 0.5))


def main(steps=300, learning_rate=0.5):
    X, y, true_w = make_data()
    w = np.zeros(X.shape[1])

    # Differentiate with respect to argument 0 (w); X and y are data, not differentiated.
    loss_and_grad = tl.value_and_grad(loss, wrt=0)

    for step in range(steps + 1):
        value, grad_w = loss_and_grad(w, X, y)  # grad_w has w's shape and dtype
        if step % 50 == 0:
            print(f"step {step:4d}   loss {value:.8f}")
        if step < steps:
            w = w - learning_rate * grad_w

    print(f"weights:  {np.array2string(w, precision=3)}  (data made with {true_w})")
    print(f"accuracy: {accuracy(w, X, y):.1%}")
    return float(value)


if __name__ == "__main__":
    main()
