"""Reads CloudFormation YAML templates (with their !Ref, !Sub ... tags) as
plain data, the way CloudFormation's own JSON form spells them."""

import yaml


class _Loader(yaml.SafeLoader):
    pass


def _construct(loader, tag_suffix, node):
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_Loader.add_multi_constructor("!", _construct)


def load(path):
    with open(path) as f:
        return yaml.load(f, Loader=_Loader)
