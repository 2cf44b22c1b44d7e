#!/usr/bin/env python3
"""Checks a CloudFormation template against the CloudFormation resource
specification (the JSON that npm's @aws-cdk/cfnspec ships, pinned in
tests/deploy/cfnspec/package.json).

What is checked, each error naming the file, line and path in the template:
  - top-level sections, parameter and output keys, resource attributes
    (Type, Properties, DependsOn, Condition, DeletionPolicy, ...);
  - resource types, known and required properties, recursively through the
    property types, lists and maps; the shape of values (map, list, scalar,
    Integer/Double/Boolean literals);
  - Ref (to a parameter, a resource or a pseudo parameter), Fn::GetAtt (to a
    resource and an attribute of its type), ${} references in Fn::Sub,
    condition names in Fn::If/Condition, DependsOn targets; unknown tags
    and intrinsic functions; duplicate keys.

Usage: cfn_check.py SPECIFICATION_JSON TEMPLATE...
Exit 0 when every template is clean, 1 with one line per error otherwise,
2 on bad usage or an unreadable specification."""
import copy
import json
import re
import sys

import yaml

PSEUDO_PARAMETERS = {
    "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region",
    "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
}
TOP_LEVEL = {"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings",
             "Conditions", "Transform", "Resources", "Outputs"}
PARAMETER_KEYS = {"Type", "Default", "Description", "NoEcho", "AllowedPattern", "AllowedValues", "MaxLength",
                  "MinLength", "MaxValue", "MinValue", "ConstraintDescription"}
PARAMETER_TYPES = {"String", "Number", "List<Number>", "CommaDelimitedList"}
RESOURCE_KEYS = {"Type", "Properties", "DependsOn", "Condition", "Metadata", "DeletionPolicy",
                 "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy"}
OUTPUT_KEYS = {"Value", "Description", "Export", "Condition"}
# Short tag -> long form; every intrinsic function CloudFormation knows.
FUNCTIONS = {
    "Ref": "Ref", "Condition": "Condition", "Base64": "Fn::Base64", "Cidr": "Fn::Cidr",
    "FindInMap": "Fn::FindInMap", "GetAtt": "Fn::GetAtt", "GetAZs": "Fn::GetAZs", "ImportValue": "Fn::ImportValue",
    "Join": "Fn::Join", "Select": "Fn::Select", "Split": "Fn::Split", "Sub": "Fn::Sub", "Transform": "Fn::Transform",
    "And": "Fn::And", "Equals": "Fn::Equals", "If": "Fn::If", "Not": "Fn::Not", "Or": "Fn::Or",
    "Length": "Fn::Length", "ToJsonString": "Fn::ToJsonString",
}
LONG_FUNCTIONS = set(FUNCTIONS.values())
CONDITION_FUNCTIONS = {"Fn::And", "Fn::Equals", "Fn::If", "Fn::Not", "Fn::Or", "Condition"}
SUB_REF = re.compile(r"\$\{([^}]*)\}")


class Checker:
    def __init__(self, spec, path):
        self.spec = spec
        self.path = path
        self.errors = []
        self.parameters = set()
        self.resources = {}  # logical id -> type
        self.conditions = set()

    def error(self, node, where, message):
        line = node.start_mark.line + 1 if node is not None else 0
        self.errors.append((line, f"{self.path}:{line}: {where}: {message}"))

    # ---- YAML nodes -------------------------------------------------------
    def items(self, node, where):
        """A mapping's (key text, key node, value node), duplicate keys reported."""
        seen = {}
        out = []
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else str(k.value)
            if key in seen:
                self.error(k, where, f"duplicate key '{key}' (first at line {seen[key]})")
                continue
            seen[key] = k.start_mark.line + 1
            out.append((key, k, v))
        return out

    def expect_mapping(self, node, where):
        if not isinstance(node, yaml.MappingNode) or self.function_of(node):
            self.error(node, where, "expected a mapping")
            return False
        return True

    def function_of(self, node):
        """(long name, argument node) when node is an intrinsic function call, else None."""
        if node.tag.startswith("!"):
            arg = copy.copy(node)
            arg.tag = {yaml.ScalarNode: "tag:yaml.org,2002:str", yaml.SequenceNode: "tag:yaml.org,2002:seq",
                       yaml.MappingNode: "tag:yaml.org,2002:map"}[type(node)]
            return (FUNCTIONS.get(node.tag[1:], node.tag), arg)
        if isinstance(node, yaml.MappingNode) and len(node.value) == 1:
            k, v = node.value[0]
            if isinstance(k, yaml.ScalarNode) and (k.value in LONG_FUNCTIONS or k.value.startswith("Fn::")):
                return (k.value, v)
        return None

    # ---- template ---------------------------------------------------------
    def check(self, root):
        if not isinstance(root, yaml.MappingNode):
            self.error(root, "template", "expected a mapping at the top level")
            return
        sections = {}
        for key, k, v in self.items(root, "template"):
            if key not in TOP_LEVEL:
                self.error(k, key, f"unknown top-level section '{key}'")
            sections[key] = v
        if "Resources" not in sections:
            self.error(root, "template", "missing required section 'Resources'")
            return
        if "Parameters" in sections and self.expect_mapping(sections["Parameters"], "Parameters"):
            for name, k, v in self.items(sections["Parameters"], "Parameters"):
                self.parameters.add(name)
                self.check_parameter(name, k, v)
        if "Conditions" in sections and self.expect_mapping(sections["Conditions"], "Conditions"):
            self.conditions = {name for name, _, _ in self.items(sections["Conditions"], "Conditions")}
        resources = sections["Resources"]
        if not self.expect_mapping(resources, "Resources"):
            return
        entries = self.items(resources, "Resources")
        if not entries:
            self.error(resources, "Resources", "no resource declared")
        for name, k, v in entries:
            if name in self.parameters:
                self.error(k, f"Resources.{name}", f"logical id '{name}' is also a parameter")
            type_node = None
            if isinstance(v, yaml.MappingNode):
                type_node = next((tv for tk, tv in v.value if tk.value == "Type"), None)
            self.resources[name] = type_node.value if isinstance(type_node, yaml.ScalarNode) else None
        if "Conditions" in sections and isinstance(sections["Conditions"], yaml.MappingNode):
            for name, _, v in self.items(sections["Conditions"], "Conditions"):
                self.check_condition(v, f"Conditions.{name}")
        for name, k, v in entries:
            self.check_resource(name, k, v)
        if "Outputs" in sections and self.expect_mapping(sections["Outputs"], "Outputs"):
            for name, k, v in self.items(sections["Outputs"], "Outputs"):
                self.check_output(name, k, v)

    def check_parameter(self, name, key_node, node):
        where = f"Parameters.{name}"
        if not self.expect_mapping(node, where):
            return
        keys = {}
        for key, k, v in self.items(node, where):
            keys[key] = v
            if key not in PARAMETER_KEYS:
                self.error(k, f"{where}.{key}", f"unknown parameter attribute '{key}'")
        t = keys.get("Type")
        if t is None:
            self.error(node, where, "missing required attribute 'Type'")
        elif not isinstance(t, yaml.ScalarNode) or not (
                t.value in PARAMETER_TYPES or t.value.startswith("AWS::") or t.value.startswith("List<AWS::")):
            self.error(t, f"{where}.Type", f"unknown parameter type '{t.value}'")

    def check_output(self, name, key_node, node):
        where = f"Outputs.{name}"
        if not self.expect_mapping(node, where):
            return
        keys = {}
        for key, k, v in self.items(node, where):
            keys[key] = v
            if key not in OUTPUT_KEYS:
                self.error(k, f"{where}.{key}", f"unknown output attribute '{key}'")
            elif key == "Condition":
                if not isinstance(v, yaml.ScalarNode) or v.value not in self.conditions:
                    self.error(v, f"{where}.Condition", f"no condition named '{getattr(v, 'value', '')}'")
            else:
                self.check_value(v, f"{where}.{key}")
        if "Value" not in keys:
            self.error(node, where, "missing required attribute 'Value'")

    def check_condition(self, node, where):
        fn = self.function_of(node)
        if fn is None or fn[0] not in CONDITION_FUNCTIONS:
            self.error(node, where, "a condition must be Fn::And, Fn::Equals, Fn::If, Fn::Not, Fn::Or or Condition")
            return
        self.check_value(node, where)

    def check_resource(self, name, key_node, node):
        where = f"Resources.{name}"
        if not self.expect_mapping(node, where):
            return
        attrs = {}
        for key, k, v in self.items(node, where):
            attrs[key] = v
            if key not in RESOURCE_KEYS:
                self.error(k, f"{where}.{key}", f"unknown resource attribute '{key}'")
        t = attrs.get("Type")
        if t is None:
            self.error(node, where, "missing required attribute 'Type'")
            return
        rtype = t.value if isinstance(t, yaml.ScalarNode) else None
        custom = rtype is not None and (rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource")
        spec = self.spec["ResourceTypes"].get(rtype) if rtype else None
        if spec is None and not custom:
            self.error(t, f"{where}.Type", f"unknown resource type '{t.value}'")
        if "DependsOn" in attrs:
            d = attrs["DependsOn"]
            targets = d.value if isinstance(d, yaml.SequenceNode) else [d]
            for target in targets:
                if not isinstance(target, yaml.ScalarNode) or target.value not in self.resources:
                    self.error(target, f"{where}.DependsOn", f"DependsOn names no resource: '{target.value}'")
                elif target.value == name:
                    self.error(target, f"{where}.DependsOn", "a resource cannot depend on itself")
        if "Condition" in attrs:
            c = attrs["Condition"]
            if not isinstance(c, yaml.ScalarNode) or c.value not in self.conditions:
                self.error(c, f"{where}.Condition", f"no condition named '{c.value}'")
        for key in ("Metadata", "UpdatePolicy", "CreationPolicy"):
            if key in attrs:
                self.check_value(attrs[key], f"{where}.{key}")
        props = attrs.get("Properties")
        if spec is None:
            if props is not None:
                self.check_value(props, f"{where}.Properties")
            return
        if props is None:
            required = sorted(p for p, s in spec.get("Properties", {}).items() if s.get("Required"))
            if required:
                self.error(node, where, f"missing required properties of {rtype}: {', '.join(required)}")
            return
        self.check_properties(props, spec, rtype, f"{where}.Properties")

    def check_properties(self, node, spec, type_name, where):
        if self.function_of(node):  # e.g. !If [cond, {...}, !Ref AWS::NoValue]
            self.check_value(node, where)
            return
        if not self.expect_mapping(node, where):
            return
        known = spec.get("Properties", {})
        present = set()
        for key, k, v in self.items(node, where):
            present.add(key)
            pspec = known.get(key)
            if pspec is None:
                self.error(k, f"{where}.{key}", f"unknown property '{key}' of {type_name}")
                self.check_value(v, f"{where}.{key}")
                continue
            self.check_property_value(v, pspec, type_name, f"{where}.{key}")
        for p in sorted(set(known) - present):
            if known[p].get("Required"):
                self.error(node, where, f"missing required property '{p}' of {type_name}")

    def property_type(self, owner, name):
        resource = owner.split(".")[0]
        return self.spec["PropertyTypes"].get(f"{resource}.{name}") or self.spec["PropertyTypes"].get(name)

    def check_property_value(self, node, pspec, owner, where):
        if self.function_of(node):
            self.check_value(node, where)
            return
        if "PrimitiveType" in pspec:
            self.check_primitive(node, pspec["PrimitiveType"], where)
            return
        t = pspec.get("Type")
        if t in ("List", "Map"):
            container = yaml.SequenceNode if t == "List" else yaml.MappingNode
            if not isinstance(node, container):
                self.error(node, where, f"expected a {'list' if t == 'List' else 'mapping'}")
                return
            children = (list(enumerate(node.value)) if t == "List"
                        else [(key, v) for key, _, v in self.items(node, where)])
            for i, child in children:
                item_where = f"{where}[{i}]" if t == "List" else f"{where}.{i}"
                if "PrimitiveItemType" in pspec:
                    self.check_property_value(child, {"PrimitiveType": pspec["PrimitiveItemType"]}, owner, item_where)
                else:
                    self.check_property_value(child, {"Type": pspec.get("ItemType")}, owner, item_where)
            return
        sub = self.property_type(owner, t) if t else None
        if sub is None:
            self.check_value(node, where)
            return
        full = t if t == "Tag" else f"{owner.split('.')[0]}.{t}"
        self.check_properties(node, sub, full, where)

    def check_primitive(self, node, primitive, where):
        if primitive == "Json":
            if not isinstance(node, (yaml.MappingNode, yaml.ScalarNode)):
                self.error(node, where, "expected a JSON object")
            self.check_value(node, where)
            return
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, where, f"expected a {primitive} value, not a {'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}")
            self.check_value(node, where)
            return
        v = node.value
        if primitive in ("Integer", "Long") and not re.fullmatch(r"-?[0-9]+", v):
            self.error(node, where, f"expected an integer, got '{v}'")
        elif primitive == "Double" and not re.fullmatch(r"-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?", v):
            self.error(node, where, f"expected a number, got '{v}'")
        elif primitive == "Boolean" and v.lower() not in ("true", "false"):
            self.error(node, where, f"expected true or false, got '{v}'")

    # ---- intrinsic functions, anywhere ------------------------------------
    def check_value(self, node, where, sub_vars=frozenset()):
        fn = self.function_of(node)
        if fn is not None:
            self.check_function(fn[0], fn[1], node, where, sub_vars)
            return
        if isinstance(node, yaml.MappingNode):
            for key, _, v in self.items(node, where):
                self.check_value(v, f"{where}.{key}", sub_vars)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                self.check_value(v, f"{where}[{i}]", sub_vars)

    def args(self, arg, name, where, count=None):
        if not isinstance(arg, yaml.SequenceNode) or (count is not None and len(arg.value) != count):
            self.error(arg, where, f"{name} takes a list of {count} arguments" if count else f"{name} takes a list")
            return None
        return arg.value

    def check_function(self, name, arg, node, where, sub_vars):
        if name not in LONG_FUNCTIONS:
            self.error(node, where, f"unknown intrinsic function or tag '{name}'")
            return
        if name == "Ref":
            if not isinstance(arg, yaml.ScalarNode):
                self.error(arg, where, "Ref takes a logical id")
            elif arg.value not in self.parameters and arg.value not in self.resources \
                    and arg.value not in PSEUDO_PARAMETERS:
                self.error(arg, where, f"Ref to '{arg.value}', which is no parameter, resource or pseudo parameter")
            return
        if name == "Condition":
            if not isinstance(arg, yaml.ScalarNode) or arg.value not in self.conditions:
                self.error(arg, where, f"no condition named '{getattr(arg, 'value', '')}'")
            return
        if name == "Fn::GetAtt":
            if isinstance(arg, yaml.ScalarNode):
                resource, _, attribute = arg.value.partition(".")
            elif isinstance(arg, yaml.SequenceNode) and len(arg.value) == 2 \
                    and isinstance(arg.value[0], yaml.ScalarNode):
                resource, attribute = arg.value[0].value, arg.value[1]
                if not isinstance(attribute, yaml.ScalarNode):
                    self.check_value(attribute, where, sub_vars)
                    attribute = None
                else:
                    attribute = attribute.value
            else:
                self.error(arg, where, "Fn::GetAtt takes Resource.Attribute or [Resource, Attribute]")
                return
            self.check_get_att(resource, attribute, arg, where)
            return
        if name == "Fn::Sub":
            if isinstance(arg, yaml.ScalarNode):
                self.check_sub(arg, arg.value, sub_vars, where)
            else:
                items = self.args(arg, name, where, 2)
                if items is None:
                    return
                names = set()
                if self.expect_mapping(items[1], where):
                    for key, _, v in self.items(items[1], where):
                        names.add(key)
                        self.check_value(v, f"{where}.{key}", sub_vars)
                if isinstance(items[0], yaml.ScalarNode):
                    self.check_sub(items[0], items[0].value, names, where)
                else:
                    self.error(items[0], where, "Fn::Sub takes a string")
            return
        if name == "Fn::If":
            items = self.args(arg, name, where, 3)
            if items is None:
                return
            if not isinstance(items[0], yaml.ScalarNode) or items[0].value not in self.conditions:
                self.error(items[0], where, f"Fn::If names no condition: '{getattr(items[0], 'value', '')}'")
            for v in items[1:]:
                self.check_value(v, where, sub_vars)
            return
        counts = {"Fn::Equals": 2, "Fn::Join": 2, "Fn::Select": 2, "Fn::Split": 2, "Fn::FindInMap": 3,
                  "Fn::Not": 1, "Fn::Cidr": 3}
        if name in counts:
            items = self.args(arg, name, where, counts[name])
            if items is None:
                return
            if name == "Fn::Not" and (self.function_of(items[0]) or ("",))[0] not in CONDITION_FUNCTIONS:
                self.error(items[0], where, "Fn::Not takes a condition")
        elif name in ("Fn::And", "Fn::Or"):
            items = self.args(arg, name, where)
            if items is not None and not 2 <= len(items) <= 10:
                self.error(arg, where, f"{name} takes 2 to 10 conditions")
        self.check_value(arg, where, sub_vars)

    def check_get_att(self, resource, attribute, node, where):
        rtype = self.resources.get(resource, False)
        if rtype is False:
            self.error(node, where, f"Fn::GetAtt of '{resource}', which is no resource")
            return
        if attribute is None or rtype is None:
            return
        if not attribute:
            self.error(node, where, f"Fn::GetAtt of '{resource}' names no attribute")
            return
        spec = self.spec["ResourceTypes"].get(rtype)
        if spec is None:  # custom resource: any attribute
            return
        if attribute not in spec.get("Attributes", {}):
            known = ", ".join(sorted(spec.get("Attributes", {}))) or "none"
            self.error(node, where, f"Fn::GetAtt: {rtype} has no attribute '{attribute}' (it has: {known})")

    def check_sub(self, node, text, names, where):
        for m in SUB_REF.finditer(text):
            ref = m.group(1)
            if ref.startswith("!"):
                continue  # ${!Literal}
            if ref in names or ref in self.parameters or ref in self.resources or ref in PSEUDO_PARAMETERS:
                continue
            resource, dot, attribute = ref.partition(".")
            if dot and resource in self.resources:
                self.check_get_att(resource, attribute, node, where)
                continue
            self.error(node, where, f"Fn::Sub: '${{{ref}}}' names no parameter, resource or pseudo parameter")


def check_template(spec, path):
    """The errors of the template at path (one line each), [] when it is clean."""
    try:
        with open(path) as f:
            root = yaml.compose(f, Loader=yaml.SafeLoader)
    except OSError as e:
        return [f"{path}: cannot read: {e}"]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        return [f"{path}:{mark.line + 1 if mark else 0}: not valid YAML: {getattr(e, 'problem', e)}"]
    if root is None:
        return [f"{path}:1: template: empty document"]
    checker = Checker(spec, path)
    checker.check(root)
    return [text for _, text in sorted(checker.errors, key=lambda e: e[0])]


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            spec = json.load(f)
        spec["ResourceTypes"], spec["PropertyTypes"]
    except (OSError, ValueError, KeyError) as e:
        print(f"cfn_check: cannot read the CloudFormation specification {argv[1]}: {e}", file=sys.stderr)
        return 2
    errors = []
    for path in argv[2:]:
        errors.extend(check_template(spec, path))
    for e in errors:
        print(e)
    if not errors:
        print(f"cfn_check: {len(argv) - 2} template(s) valid against CloudFormation specification "
              f"{spec.get('ResourceSpecificationVersion', '?')}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
