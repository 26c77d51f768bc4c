"""Continued masked-language-model pretraining on the documents of a fit.

Before fine-tuning, ``lm_pretraining_epochs`` trains the encoder a few epochs
more on its pretraining task, masked-token prediction, over every document
given to ``fit`` (labelled and unlabelled rows, source and target domains),
so that it sees the target domain's words in context before any label
(domain-adaptive pretraining, Gururangan et al., 2020). The model is
``AutoModelForMaskedLM`` on the same weights; its encoder starts from the
classifier's and is copied back into it at the end.

Masking follows BERT: 15% of the real tokens (special and padding tokens
never) are chosen; 80% of them become the mask token, 10% a random token, 10%
stay; the loss is the cross-entropy on the chosen tokens only.

Schedule. Checkpoints made for sentence embeddings (all-MiniLM-L6-v2) ship no
masked-LM head: it starts at random, and its first gradients would reach the
encoder as noise at the full learning rate (measured: the classifier fine-tuned
afterwards collapsed to one class in two of three seeds). So the first
``HEAD_FRACTION`` of the steps train the head alone (the encoder frozen), the
encoder's learning rate then warms up linearly over the next
``WARMUP_FRACTION`` and decays linearly to 0 at the end, as in
domain-adaptive pretraining.
"""

import numpy as np
import torch

from sktransfer.transformers._pretrained import encode_batch, load_model

__all__ = ["mask_tokens", "pretrain_masked_lm"]

#: Share of the masked-LM steps that train the head alone.
HEAD_FRACTION = 0.1
#: Share of the steps over which the encoder's learning rate then warms up.
WARMUP_FRACTION = 0.1


def encoder_lr_factor(step, total):
    """Multiplier of the encoder's learning rate at ``step`` (0-based) of ``total``.

    0 while the head trains alone, then a linear warm-up to 1 and a linear
    decay to 0 at the last step.
    """
    head = int(HEAD_FRACTION * total)
    warmup = max(1, int(WARMUP_FRACTION * total))
    if step < head:
        return 0.0
    if step < head + warmup:
        return (step - head + 1) / warmup
    remaining = total - step
    return max(0.0, remaining / max(1, total - head - warmup))


def mask_tokens(input_ids, special, tokenizer, generator, probability=0.15):
    """Mask a batch for masked-LM training, as BERT does.

    Parameters
    ----------
    input_ids : torch.Tensor of shape (batch, length)
        Token ids.
    special : torch.Tensor of bool, same shape
        Special and padding tokens (never masked).
    tokenizer : transformers tokenizer
        Gives the mask token and the vocabulary size.
    generator : torch.Generator
        The random draws.
    probability : float, default=0.15
        Share of the real tokens chosen.

    Returns
    -------
    inputs : torch.Tensor
        The masked ids.
    labels : torch.Tensor
        The original ids of the chosen tokens, -100 elsewhere.
    """
    labels = input_ids.clone()
    chosen = torch.rand(input_ids.shape, generator=generator) < probability
    chosen &= ~special
    labels[~chosen] = -100
    inputs = input_ids.clone()
    draw = torch.rand(input_ids.shape, generator=generator)
    inputs[chosen & (draw < 0.8)] = tokenizer.mask_token_id
    swap = chosen & (draw >= 0.8) & (draw < 0.9)
    random_ids = torch.randint(
        len(tokenizer), input_ids.shape, generator=generator, dtype=input_ids.dtype
    )
    inputs[swap] = random_ids[swap]
    return inputs, labels


def pretrain_masked_lm(
    model,
    path,
    tokenizer,
    texts,
    *,
    epochs,
    lr,
    batch_size,
    max_length,
    device,
    seed,
    owner,
):
    """Train the encoder of ``model`` on masked-token prediction over ``texts``.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        The sequence-classification model whose encoder (``base_model``) is
        trained; its weights are replaced in place.
    path : pathlib.Path
        The model directory (for the masked-LM head's configuration).
    tokenizer : transformers tokenizer
        The model's tokenizer; it needs a mask token.
    texts : list of str
        The documents.
    epochs : int
        Passes over ``texts``.
    lr : float
        AdamW's learning rate.
    batch_size : int
        Documents per batch (-1: all).
    max_length : int
        Truncation, in tokens.
    device : str or torch.device
        Where to train.
    seed : int
        Seed of the masks and the batch order.
    owner : str
        Name of the estimator, for errors.

    Returns
    -------
    losses : list of float
        The mean masked-LM loss of each epoch.
    """
    from transformers import AutoModelForMaskedLM

    if tokenizer.mask_token_id is None:
        raise ValueError(
            f"{owner}: lm_pretraining_epochs needs a tokenizer with a mask token; "
            f"the tokenizer of {str(path)!r} has none."
        )
    mlm = load_model(path, AutoModelForMaskedLM)
    prefix = model.base_model_prefix
    if getattr(mlm, "base_model_prefix", None) != prefix:
        raise ValueError(
            f"{owner}: the masked-LM model of {str(path)!r} does not share the "
            "classifier's encoder; lm_pretraining_epochs cannot be used with it."
        )
    # Their encoders differ at most by the pooler (which BERT's masked-LM
    # model lacks): every other weight must match.
    _copy_encoder(model.base_model, mlm.base_model, path, owner)
    mlm.to(device)
    mlm.train()
    encoder = list(mlm.base_model.parameters())
    ids_ = {id(p) for p in encoder}
    head = [p for p in mlm.parameters() if id(p) not in ids_]
    groups = [{"params": encoder, "lr": 0.0}]
    if head:
        groups.append({"params": head, "lr": lr})
    optimizer = torch.optim.AdamW(groups, lr=lr)
    generator = torch.Generator().manual_seed(seed)
    order_rng = np.random.default_rng(seed)
    size = len(texts) if batch_size == -1 else batch_size
    total_steps = epochs * -(-len(texts) // size)
    step = 0
    losses = []
    for _ in range(epochs):
        order = order_rng.permutation(len(texts))
        total, n_batches = 0.0, 0
        for start in range(0, len(texts), size):
            batch = encode_batch(
                tokenizer, [texts[i] for i in order[start : start + size]], max_length
            )
            ids = batch["input_ids"]
            special = torch.as_tensor(
                [
                    tokenizer.get_special_tokens_mask(
                        row, already_has_special_tokens=True
                    )
                    for row in ids.tolist()
                ],
                dtype=torch.bool,
            ) | (batch["attention_mask"] == 0)
            inputs, labels = mask_tokens(ids, special, tokenizer, generator)
            if not bool((labels != -100).any()):
                continue  # nothing chosen in this batch
            kwargs = {k: v.to(device) for k, v in batch.items()}
            kwargs["input_ids"] = inputs.to(device)
            loss = mlm(**kwargs, labels=labels.to(device)).loss
            if not bool(torch.isfinite(loss)):
                raise ValueError(
                    f"{owner}: the masked-LM loss became NaN or infinite; use a "
                    f"smaller lr (now {lr!r})."
                )
            optimizer.param_groups[0]["lr"] = lr * encoder_lr_factor(step, total_steps)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            total += float(loss.detach())
            n_batches += 1
        losses.append(total / max(n_batches, 1))
    _copy_encoder(mlm.base_model, model.base_model, path, owner)
    return losses


def _copy_encoder(source, destination, path, owner):
    """Copy the weights ``source`` and ``destination`` share; all of ``source``'s."""
    theirs = source.state_dict()
    ours = destination.state_dict()
    extra = [k for k in ours if k not in theirs and "pooler" not in k]
    if extra or any(k in ours and ours[k].shape != v.shape for k, v in theirs.items()):
        raise ValueError(
            f"{owner}: the masked-LM model of {str(path)!r} does not share the "
            "classifier's encoder; lm_pretraining_epochs cannot be used with it."
        )
    destination.load_state_dict(
        {k: v for k, v in theirs.items() if k in ours}, strict=False
    )
