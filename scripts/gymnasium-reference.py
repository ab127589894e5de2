"""Replays episodes rolled by scripts/gymnasium-reference.ts in Gymnasium's own environment.

usage: python gymnasium-reference.py EPISODES.json
Prints one JSON object on stdout: versions, steps compared, terminated mismatches, the largest reward
difference and per observation block the largest absolute and relative (to max(1, |Gymnasium's|))
difference. The first observation of each episode (after set_state) is compared too.
"""

import json
import sys

import gymnasium as gym
import mujoco
import numpy as np

data = json.load(open(sys.argv[1]))
blocks = data["blocks"]
env = gym.make(data["id"]).unwrapped  # no TimeLimit: the TS side ends the episodes
worst = {name: [0.0, 0.0] for name, _ in blocks}


def compare(theirs, ours):
    at = 0
    for name, size in blocks:
        t = theirs[at : at + size]
        d = float(np.abs(t - np.asarray(ours[at : at + size])).max())
        w = worst[name]
        w[0] = max(w[0], d)
        w[1] = max(w[1], d / max(1.0, float(np.abs(t).max())))
        at += size


steps = 0
terminated_mismatches = 0
reward_max = 0.0
for ep in data["episodes"]:
    env.reset(seed=0)
    env.set_state(np.asarray(ep["qpos"]), np.asarray(ep["qvel"]))
    compare(env._get_obs(), ep["obs0"])
    for t, action in enumerate(ep["actions"]):
        obs, reward, terminated, _, _ = env.step(np.asarray(action))
        compare(obs, ep["obs"][t])
        reward_max = max(reward_max, abs(float(reward) - ep["rewards"][t]))
        terminated_mismatches += int(bool(terminated) != ep["terminated"][t])
        steps += 1
        if terminated:
            break

json.dump(
    {
        "versions": {"mujoco": mujoco.__version__, "gymnasium": gym.__version__},
        "steps": steps,
        "terminatedMismatches": terminated_mismatches,
        "rewardMaxAbs": reward_max,
        "blocks": [{"name": n, "maxAbs": worst[n][0], "maxRel": worst[n][1]} for n, _ in blocks],
    },
    sys.stdout,
)
