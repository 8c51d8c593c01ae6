import pytest
import torch

from ganzoo.nn.dcgan import SIZES, Discriminator, Generator, LatentGANConfig, init_weights


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("classes", [0, 10])
@pytest.mark.parametrize("d_norm", ["bn", "sn", "ln", "none"])
def test_shapes(size, classes, d_norm):
    ch = 1 if size == 28 else 3
    cfg = LatentGANConfig(img_size=size, channels=ch, z_dim=32, ngf=8, ndf=8, num_classes=classes,
                          d_norm=d_norm, g_spectral_norm=d_norm == "sn")
    G, D = Generator(cfg), Discriminator(cfg)
    init_weights(G)
    init_weights(D)
    y = torch.tensor([0, classes - 1]) if classes else None
    x = G(torch.randn(2, 32), y)
    assert x.shape == (2, ch, size, size)
    assert x.min() >= -1 and x.max() <= 1
    out = D(x, y)
    assert out.shape == (2,)
    assert G.latent_weight().shape[1] == 32


def test_conditional_needs_labels():
    cfg = LatentGANConfig(img_size=32, channels=3, z_dim=8, ngf=4, ndf=4, num_classes=2)
    with pytest.raises(ValueError, match="labels"):
        Generator(cfg)(torch.randn(1, 8))
    with pytest.raises(ValueError, match="labels"):
        Discriminator(cfg)(torch.randn(1, 3, 32, 32))


def test_projection_uses_label():
    cfg = LatentGANConfig(img_size=32, channels=3, z_dim=8, ngf=4, ndf=4, num_classes=2, d_norm="none")
    D = Discriminator(cfg)
    init_weights(D)
    x = torch.randn(1, 3, 32, 32)
    assert not torch.allclose(D(x, torch.tensor([0])), D(x, torch.tensor([1])))


def test_bad_config():
    with pytest.raises(ValueError, match="img_size"):
        LatentGANConfig(img_size=48)
    with pytest.raises(ValueError, match="d_norm"):
        LatentGANConfig(d_norm="weird")
