"""The likely fault mode of an asset from its symptoms: a discrete naive Bayes, written with numpy.

Hypotheses are "healthy" and every fault mode of the asset's type (``knowledge.yaml``).
Evidence is one symptom per signal, its state against healthy behaviour (``up``,
``normal``, ``down``; a missing or bad signal gives no evidence), plus whether the
asset's anomaly detector alarms. With P(state | hypothesis) from ``knowledge.yaml``:

    posterior(h) ∝ prior(h) · Π_signals P(state_s | h) · P(alarm | h)

Why naive Bayes and not a larger Bayesian network: every fault mode of the demo
knowledge is described only by which signals move and in which direction, so
there is nothing to put on edges between symptoms; a network with the fault as the
only parent of each symptom *is* naive Bayes. It needs a handful of numbers that an
engineer can read and change in one YAML file, its posterior can be explained term
by term, and it runs in microseconds with numpy (pgmpy is not installed and would
add nothing here). Its known weakness, double counting of correlated symptoms
(the detector alarm and a signal that is up), makes posteriors overconfident; the
likelihoods in the file are kept moderate for that reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..plant.model import FaultMode
from .knowledge import Knowledge

__all__ = ["Diagnosis", "diagnose", "HEALTHY"]

HEALTHY = "healthy"


@dataclass(frozen=True)
class Diagnosis:
    """Posterior probability of each hypothesis, most probable first (``healthy`` included)."""

    posterior: tuple[tuple[str, float], ...]
    symptoms: tuple[tuple[str, str], ...]  # (signal, state) used as evidence
    alarm: bool

    @property
    def top_fault(self) -> tuple[str, float]:
        """The most probable fault mode and its probability (never ``healthy``)."""
        return next((h, p) for h, p in self.posterior if h != HEALTHY)

    def probability(self, hypothesis: str) -> float:
        return dict(self.posterior).get(hypothesis, 0.0)


def _log_likelihood(knowledge: Knowledge, mode: FaultMode | None, symptoms: Mapping[str, str], alarm: bool) -> float:
    terms = [knowledge.healthy[s] if mode is None else knowledge.likelihood(mode, sig, s)
             for sig, s in symptoms.items()]
    p_alarm = knowledge.detector["healthy" if mode is None else "fault"]
    terms.append(p_alarm if alarm else 1.0 - p_alarm)
    return float(np.sum(np.log(terms)))


def diagnose(knowledge: Knowledge, modes: tuple[FaultMode, ...], symptoms: Mapping[str, str | None],
             alarm: bool) -> Diagnosis:
    """Posterior over healthy and ``modes`` given signal states (None = no evidence) and the alarm."""
    evidence = {k: v for k, v in symptoms.items() if v is not None}
    hypotheses: list[FaultMode | None] = [None, *modes]
    prior = np.array([1.0 - knowledge.prior_fault] + [knowledge.prior_fault / max(len(modes), 1)] * len(modes))
    logp = np.log(prior) + np.array([_log_likelihood(knowledge, h, evidence, alarm) for h in hypotheses])
    post = np.exp(logp - logp.max())
    post /= post.sum()
    names = [HEALTHY] + [m.id for m in modes]
    order = sorted(range(len(names)), key=lambda i: -post[i])  # stable: knowledge order wins ties
    return Diagnosis(posterior=tuple((names[i], float(post[i])) for i in order),
                     symptoms=tuple(evidence.items()), alarm=alarm)
