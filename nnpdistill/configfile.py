"""Reading a user's config file strictly: YAML (or JSON) whose top level is a mapping, with no key given twice.

PyYAML, and so Snakemake, keeps the last of two equal keys and drops the first without a word; a config file whose
top level is a list or a scalar gets Snakemake's "keys at top level" error that names no file.
"""

from pathlib import Path

import yaml


class ConfigFileError(ValueError):
    """A config file that cannot be read, is not a mapping at its top level, or repeats a key."""


class _StrictLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise ConfigFileError(f"key '{key}' appears twice in one mapping (lines {seen[key] + 1} and "
                                      f"{key_node.start_mark.line + 1}); the first would be dropped silently")
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load(path):
    """The mapping a config file holds; ConfigFileError naming the file otherwise."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigFileError(f"config file {path}: cannot read it ({err.strerror})") from None
    try:
        content = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except ConfigFileError as err:
        raise ConfigFileError(f"config file {path}: {err}") from None
    except yaml.YAMLError as err:
        raise ConfigFileError(f"config file {path}: not valid YAML or JSON: {err}") from None
    if not isinstance(content, dict):
        kind = "empty" if content is None else f"a {type(content).__name__}"
        raise ConfigFileError(f"config file {path}: its top level must be a mapping of settings (seed:, systems:, "
                              f"...), but it is {kind}")
    return content


def check(paths):
    """load() every path; the first bad file raises."""
    for path in paths:
        load(path)
