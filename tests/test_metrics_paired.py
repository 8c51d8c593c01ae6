"""Retrieval and pairwise distances for translations with a ground-truth partner."""
import torch

from ganzoo.metrics.paired import pairwise_distance, pairwise_l1, retrieval_ranks, retrieval_report


def test_pairwise_l1_is_the_mean_absolute_difference_in_unit_range():
    a = torch.full((2, 3, 4, 4), -1.0)
    b = torch.stack([torch.full((3, 4, 4), 1.0), torch.full((3, 4, 4), 0.0), torch.full((3, 4, 4), -1.0)])
    d = pairwise_l1(a, b)
    assert d.shape == (2, 3) and torch.allclose(d[0], torch.tensor([1.0, 0.5, 0.0]))


def test_ranks_find_the_partner_and_count_ties_against_it():
    torch.manual_seed(0)
    targets = torch.rand(10, 3, 8, 8) * 2 - 1
    queries = targets[[3, 7, 1]] + 0.01 * torch.randn(3, 3, 8, 8)  # near their partners
    ranks = retrieval_ranks(queries, targets, torch.tensor([3, 7, 1]))
    assert ranks.tolist() == [1, 1, 1]
    wrong = retrieval_ranks(queries, targets, torch.tensor([0, 0, 0]))
    assert (wrong > 1).all()
    same = retrieval_ranks(torch.zeros(1, 3, 8, 8), torch.zeros(4, 3, 8, 8), torch.tensor([2]))
    assert same.tolist() == [4]  # all tied: the partner is not credited with first place
    rep = retrieval_report(torch.tensor([1, 2, 11, 30]))
    assert rep == {"top1": 0.25, "top10": 0.5, "median_rank": 2.0, "n": 4}


def test_l2_distance_is_the_rms_difference_and_ranks_can_differ_from_l1():
    a = torch.full((1, 1, 2, 2), -1.0)                       # black
    one_spot = a.clone()
    one_spot[..., 0, 0] = 1.0          # one pixel fully white
    all_grey = torch.zeros(1, 1, 2, 2)                       # every pixel half-way
    d1 = pairwise_distance(a, torch.cat([one_spot, all_grey]), p=1)
    d2 = pairwise_distance(a, torch.cat([one_spot, all_grey]), p=2)
    assert torch.allclose(d1, torch.tensor([[0.25, 0.5]]))
    assert torch.allclose(d2, torch.tensor([[0.5, 0.5]]))
    # L1 prefers the one-spot image; L2 punishes the spot as hard as the overall shift (a tie,
    # which counts against the partner)
    cands = torch.cat([one_spot, all_grey])
    assert retrieval_ranks(a, cands, torch.tensor([0]), p=1).item() == 1
    assert retrieval_ranks(a, cands, torch.tensor([0]), p=2).item() == 2
