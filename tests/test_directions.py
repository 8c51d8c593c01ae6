import torch

from ganzoo.directions import sefa


def test_sefa_orthonormal_and_top_eigenvectors():
    torch.manual_seed(0)
    w = torch.randn(256, 32)
    dirs, evals = sefa(w, k=8)
    assert dirs.shape == (8, 32)
    assert torch.allclose(dirs @ dirs.T, torch.eye(8), atol=1e-5)
    assert torch.all(evals[:-1] >= evals[1:])
    wn = w / w.norm(dim=0, keepdim=True)
    energy = ((wn @ dirs.T) ** 2).sum(0)  # ‖W n‖² equals the eigenvalue
    assert torch.allclose(energy, evals, rtol=1e-4)
    rand = torch.nn.functional.normalize(torch.randn(32), dim=0)
    assert ((wn @ rand) ** 2).sum() <= energy[0] + 1e-4


def test_sefa_deterministic():
    w = torch.randn(64, 16)
    assert torch.equal(sefa(w, 4)[0], sefa(w.clone(), 4)[0])
