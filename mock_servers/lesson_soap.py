"""Helpers for lesson 02 (SOAP): the plumbing a learner need not read.

* :func:`show_wsdl` - print the parts of a WSDL that an ElementPath finds, as
  tidy XML without the namespace declarations that a part printed on its own
  repeats (they are noise here);
* :func:`pretty_xml` - an lxml element as indented text;
* :func:`operations_of` - the operations that zeep read in the contract, the
  last section of what ``python -m zeep URL`` prints.

The lesson makes its SOAP calls itself; these helpers only print.
"""

from __future__ import annotations

import contextlib
import copy
import io
import re
from functools import cache

import requests
from lxml import etree

WSDL_NAMESPACES = {
    "wsdl": "http://schemas.xmlsoap.org/wsdl/",
    "xs": "http://www.w3.org/2001/XMLSchema",
}
DECLARATION = re.compile(r' xmlns:\w+="[^"]*"')


@cache
def _wsdl(url: str) -> etree._Element:
    response = requests.get(url, timeout=5)
    response.raise_for_status()
    # The course's own server: resolve no entities, fetch nothing from the network.
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(response.content, parser)


def show_wsdl(url: str, path: str) -> None:
    """Print each part of the WSDL at ``url`` that ``path`` finds, as tidy XML, without the
    contract's comments and documentation (written in English, for people reading the file):
    what is left is what tools read."""
    for found in _wsdl(url).iterfind(path, WSDL_NAMESPACES):
        element = copy.deepcopy(found)  # indenting changes the element; keep the original
        _drop_notes(element)
        etree.indent(element)
        text = etree.tostring(element, encoding="unicode", with_tail=False)
        print(DECLARATION.sub("", text))


def _drop_notes(element: etree._Element) -> None:
    notes = [node for node in element.iter() if isinstance(node, etree._Comment)]
    notes += element.findall(".//xs:annotation", WSDL_NAMESPACES)
    notes += element.findall(".//wsdl:documentation", WSDL_NAMESPACES)
    for node in notes:
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)


def pretty_xml(element: etree._Element) -> str:
    """An XML element as text with indentation."""
    return etree.tostring(element, pretty_print=True, encoding="unicode").strip()


def operations_of(client) -> str:
    """The operations section of ``client.wsdl.dump()``, which prints everything zeep read."""
    listing = io.StringIO()
    with contextlib.redirect_stdout(listing):
        client.wsdl.dump()
    text = listing.getvalue()
    return text[text.index("Service:") :].strip()
