"Check that torch and torchvision import together and that torchvision's compiled ops work."
import sys
try:
    import torch, torchvision
    from torchvision.ops import nms
    keep = nms(torch.tensor([[0., 0., 1., 1.], [0., 0., 1., 1.]]), torch.tensor([0.9, 0.8]), 0.5)
    assert keep.tolist() == [0], keep
except Exception as e:
    sys.exit(f"torch/torchvision do not work together ({type(e).__name__}: {e}).\n"
             "A CPU-only torch wheel with the registry's torchvision fails this way "
             "('operator torchvision::nms does not exist'); install the registry's default torch build "
             "with its matching torchvision: rm -rf .venv && make setup")
print(f"torch {torch.__version__} + torchvision {torchvision.__version__}: OK (cuda available: {torch.cuda.is_available()})")
